import Dispatch
import Synchronization

/// The messages a ``KafkaConsumer`` reads, in order per partition; ends when the consumer is
/// closed.
///
/// At most ``KafkaConsumer/readAhead`` messages wait here for the reader. When that many are
/// waiting, the consumer stops taking messages from librdkafka (whose own queue then fills and
/// pauses fetching) until the reader catches up: a slow reader slows the consumer down, it
/// never loses a message. One reader at a time.
public struct KafkaConsumerMessages: AsyncSequence, Sendable {
    public typealias Element = KafkaConsumerMessage

    let stream: AsyncStream<KafkaConsumerMessage>
    let window: ReadAheadWindow

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: stream.makeAsyncIterator(), window: window)
    }

    /// Hands out the messages one by one, freeing a place in the read-ahead window for each.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncStream<KafkaConsumerMessage>.Iterator
        let window: ReadAheadWindow

        public mutating func next() async -> KafkaConsumerMessage? {
            guard let message = await base.next() else { return nil }
            window.release()
            return message
        }
    }
}

/// Places for messages read from librdkafka and not yet taken by the application: the reader
/// thread takes one before each poll, the iterator gives it back when the application takes
/// the message.
final class ReadAheadWindow: Sendable {
    private let places: DispatchSemaphore
    /// Places taken and not given back. libdispatch traps (SIGILL) when a semaphore is freed
    /// holding fewer places than it was made with — here, whenever the application stops
    /// reading with messages read ahead — so the window gives them back before it goes.
    private let taken = Atomic<Int>(0)

    init(size: Int) {
        places = DispatchSemaphore(value: size)
    }

    deinit {
        for _ in 0..<max(0, taken.load(ordering: .acquiring)) { places.signal() }
    }

    /// Waits up to `timeoutMs` for a place; false if none came free (the caller checks whether
    /// it should stop, then waits again).
    func acquire(timeoutMs: Int) -> Bool {
        guard places.wait(timeout: .now() + .milliseconds(timeoutMs)) == .success else { return false }
        taken.add(1, ordering: .relaxed)
        return true
    }

    func release() {
        taken.subtract(1, ordering: .relaxed)
        places.signal()
    }

    /// Places taken now: messages read ahead, plus one while the reader polls.
    var inUse: Int { taken.load(ordering: .relaxed) }
}
