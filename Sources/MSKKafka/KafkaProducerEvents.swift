import Synchronization

/// The outcomes of messages sent with ``KafkaProducer/enqueue(_:)``, in the order they are
/// known; ends when the producer has shut down.
///
/// Bounded by memory, not by a count of events: at most ``KafkaProducer/maxUnreadEventBytes``
/// of events wait for the reader. An event of 1,024 delivery reports weighs about 32 KiB and a
/// failure about its message, so a count would bound nothing useful: 100,000 events could be a
/// few megabytes or three gigabytes. Events that come while the unread ones are at the bound
/// are not kept; they are counted (``KafkaClientCounters/eventsDropped``), and the messages
/// themselves are never dropped. One reader at a time.
public struct KafkaProducerEvents: AsyncSequence, Sendable {
    public typealias Element = KafkaProducerEvent

    let stream: AsyncStream<KafkaProducerEvent>
    let unread: UnreadEventWeight

    /// An iterator over the events; one at a time.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: stream.makeAsyncIterator(), unread: unread)
    }

    /// Hands out the events one by one, taking each one's weight off the unread total.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncStream<KafkaProducerEvent>.Iterator
        let unread: UnreadEventWeight

        /// The next event, waiting for one; nil once the producer has shut down.
        public mutating func next() async -> KafkaProducerEvent? {
            guard let event = await base.next() else { return nil }
            unread.taken(event)
            return event
        }
    }
}

/// The weight, in approximate bytes, of the events yielded and not yet read.
final class UnreadEventWeight: Sendable {
    let limit: Int
    private let weight = Atomic<Int>(0)

    init(limit: Int) {
        self.limit = limit
    }

    /// What `event` holds: 32 bytes a report, a failed message's bytes, and the event itself.
    static func weight(of event: KafkaProducerEvent) -> Int {
        switch event {
        case .delivered(let reports): return 64 + reports.count * MemoryLayout<KafkaDeliveryReports.Record>.stride
        case .failed(let message, _): return 128 + message.byteCount
        case .orderBroken(let broken): return 128 + broken.topic.utf8.count + broken.key.count
        }
    }

    /// Takes `weight` if it fits under the limit, or if nothing is unread (so that one event is
    /// always kept, however heavy); false if it does not fit.
    func admit(_ weight: Int) -> Bool {
        var current = self.weight.load(ordering: .relaxed)
        while true {
            guard current == 0 || current + weight <= limit else { return false }
            let (exchanged, original) = self.weight.compareExchange(expected: current, desired: current + weight, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
    }

    /// The reader took `event`.
    func taken(_ event: KafkaProducerEvent) {
        weight.subtract(Self.weight(of: event), ordering: .relaxed)
    }
}
