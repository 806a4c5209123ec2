import Foundation
import Synchronization

/// The floor under `swift (send x10000)`: the same 10,000 tasks, each awaiting one
/// continuation per message, resumed by a thread of their own as the producer's poll thread
/// resumes `send`'s — and no producer at all. No Kafka client can make a per-message `await` of
/// this shape cheaper than this; the ratio it prints to `c` is the most `send` could reach.
enum AwaitFloorRun {
    static func throughput(_ path: BenchPath, count: Int) async throws -> BenchOutcome {
        let relay = ContinuationRelay()
        let start = ContinuousClock.now
        try await ConcurrentSenders.run(count, from: path.sendingTasks!) {
            await withUnsafeContinuation { relay.park($0) }
        }
        let elapsed = ContinuousClock.now - start
        relay.stop()
        return BenchOutcome(seconds: elapsed / .seconds(1), delivered: count, loopCPUSeconds: .nan, startupSeconds: 0)
    }
}

/// Parked continuations, resumed in order, in batches, by a thread of its own: what the poll
/// thread does with `send`'s continuations as it serves a batch of delivery reports.
private final class ContinuationRelay: Sendable {
    private let parked = Mutex<[UnsafeContinuation<Void, Never>]>([])
    /// Signalled when the first continuation joins an empty list (and at stop).
    private let work = DispatchSemaphore(value: 0)
    private let running = Atomic(true)
    private let finished = DispatchSemaphore(value: 0)

    init() {
        let thread = Thread { [self] in
            var batch: [UnsafeContinuation<Void, Never>] = []
            while running.load(ordering: .acquiring) {
                work.wait()
                parked.withLock { swap(&$0, &batch) }
                for continuation in batch { continuation.resume() }
                batch.removeAll(keepingCapacity: true)
            }
            finished.signal()
        }
        thread.name = "await-floor-relay"
        thread.start()
    }

    func park(_ continuation: UnsafeContinuation<Void, Never>) {
        let first = parked.withLock { parked in
            parked.append(continuation)
            return parked.count == 1
        }
        if first { work.signal() }
    }

    /// Ends the thread (every task has finished: nothing is parked).
    func stop() {
        running.store(false, ordering: .releasing)
        work.signal()
        finished.wait()
    }
}
