import CRdKafka
import Foundation
import Synchronization

/// A dedicated thread that calls `rd_kafka_poll` so delivery reports, errors and statistics are
/// served without the application polling — and without occupying one of Swift concurrency's
/// few cooperative threads with a blocking call.
final class PollThread: Sendable {
    private final class Control: Sendable {
        let running = Mutex(true)
        let finished = DispatchSemaphore(value: 0)
    }

    private let control = Control()

    init(handleBits: Int, name: String) {
        let control = self.control
        let thread = Thread {
            while control.running.withLock({ $0 }) {
                if let handle = OpaquePointer(bitPattern: handleBits) { rd_kafka_poll(handle, 50) }
            }
            control.finished.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Stops the thread and waits for its last poll to return.
    func stop() {
        let wasRunning = control.running.withLock { state -> Bool in
            defer { state = false }
            return state
        }
        if wasRunning { control.finished.wait() }
    }
}
