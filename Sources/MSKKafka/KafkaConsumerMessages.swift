import Dispatch
import Synchronization

/// The messages a ``KafkaConsumer`` reads, in order per partition; ends when the consumer is
/// closed (what was read ahead and not handed over by then is dropped, never committed). Rebalances are passed over (a revocation is acknowledged when the next message is
/// asked for); read ``KafkaConsumer/events`` to see them.
///
/// At most ``KafkaConsumer/readAhead`` messages wait here for the reader. When that many are
/// waiting, the consumer stops taking messages from librdkafka (whose own queue then fills and
/// pauses fetching) until the reader catches up: a slow reader slows the consumer down, it
/// never loses a message. One reader at a time, of this or of ``KafkaConsumer/events``.
public struct KafkaConsumerMessages: AsyncSequence, Sendable {
    public typealias Element = KafkaConsumerMessage

    let delivery: ConsumerDelivery

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(events: KafkaConsumerEvents.AsyncIterator(delivery: delivery))
    }

    /// Hands out the messages one by one.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var events: KafkaConsumerEvents.AsyncIterator

        public mutating func next() async -> KafkaConsumerMessage? {
            while let event = await events.next() {
                if case .message(let message) = event { return message }
            }
            return nil
        }
    }
}

/// What a ``KafkaConsumer`` reads — messages, in order per partition — and the group's
/// rebalances between them; ends when the consumer is closed.
///
/// A rebalance is handed over as soon as the application asks for its next event, ahead of
/// the messages read ahead; messages read ahead from partitions revoked, paused or moved by
/// ``KafkaConsumer/seek(_:timeout:)`` are dropped, not handed over (they are read again by whoever
/// reads those partitions from their committed offsets, or when resumed). A revocation waits
/// until the application acknowledges it (``KafkaRebalance/acknowledge()``) or asks for its
/// next event. One reader at a time, of this or of ``KafkaConsumer/messages``.
public struct KafkaConsumerEvents: AsyncSequence, Sendable {
    public typealias Element = KafkaConsumerEvent

    let delivery: ConsumerDelivery

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(delivery: delivery)
    }

    /// Hands out the events one by one, freeing a place in the read-ahead window for each
    /// message.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncStream<ConsumerElement>.Iterator
        let delivery: ConsumerDelivery
        /// What the application was handed last: asking for more means it is done with it.
        var previous: KafkaConsumerEvent?

        init(delivery: ConsumerDelivery) {
            base = delivery.stream.makeAsyncIterator()
            self.delivery = delivery
        }

        public mutating func next() async -> KafkaConsumerEvent? {
            switch previous {
            case .message(let message): delivery.processed(message)
            case .rebalance(let rebalance): rebalance.acknowledge()
            case nil: break
            }
            previous = nil
            while true {
                if let rebalance = delivery.group.takeRebalance() {
                    previous = .rebalance(rebalance)
                    return previous
                }
                guard let element = await base.next() else {
                    guard let rebalance = delivery.group.takeRebalance() else { return nil }
                    previous = .rebalance(rebalance)
                    return previous
                }
                guard case .message(let message, let epoch) = element else { continue }
                delivery.window.release()
                guard delivery.group.tracker.deliver(KafkaTopicPartition(topic: message.topic, partition: message.partition), offset: message.offset, epoch: epoch) else {
                    continue
                }
                previous = .message(message)
                return previous
            }
        }
    }
}

/// What ``KafkaConsumerMessages`` and ``KafkaConsumerEvents`` share.
final class ConsumerDelivery: Sendable {
    let stream: AsyncStream<ConsumerElement>
    let window: ReadAheadWindow
    let group: ConsumerGroupState
    /// Run when the application asks for the next event after a message (the automatic
    /// commit mode stores its offset).
    let processed: @Sendable (KafkaConsumerMessage) -> Void

    init(stream: AsyncStream<ConsumerElement>, window: ReadAheadWindow, group: ConsumerGroupState, processed: @escaping @Sendable (KafkaConsumerMessage) -> Void) {
        self.stream = stream
        self.window = window
        self.group = group
        self.processed = processed
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
