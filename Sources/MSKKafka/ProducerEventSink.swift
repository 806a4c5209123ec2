import CRdKafka
import Foundation

/// The producer's ``KafkaProducer/events`` stream, fed in batches: delivery reports are
/// gathered while librdkafka's queue is served and yielded as one event when the serve ends
/// (``flush()``), as are their counter increments and the buffer room they give back — so
/// that the per-message cost is an append, not a stream yield, a counter update and an atomic
/// release apiece.
///
/// `@unchecked Sendable`: the batch (`reports`, `settled`, the topics) is touched only by the
/// thread that holds ``PollThread``'s serving lock — the delivery-report callback, then
/// ``flush()`` right after `rd_kafka_poll` returns, both under that lock. Everything else is the
/// `AsyncStream` continuation, which is thread-safe, and `let`s.
final class ProducerEventSink: @unchecked Sendable {
    let events: KafkaProducerEvents
    private let unread: UnreadEventWeight
    private let continuation: AsyncStream<KafkaProducerEvent>.Continuation
    private let buffer: ProducerBuffer
    private let counters: KafkaClientCounters
    private let reportsDeliveries: Bool
    private let topics: ProducerTopics

    // `@exclusivity(unchecked)`: one thread at a time touches these (see above), so the
    // runtime's dynamic exclusivity checks — two calls per access, several accesses per
    // delivered message — guard against nothing here.
    @exclusivity(unchecked) private var reports = KafkaDeliveryReports()
    /// Messages and bytes settled in this serve, given back to the buffer in ``flush()``.
    @exclusivity(unchecked) private var settled = (messages: 0, bytes: 0)
    /// The topic handle of the last report and its index in `reports`, so that a batch to one
    /// topic finds its topic by comparing one address; and the topics seen so far, by address,
    /// so that interleaved topics find theirs without taking ``ProducerTopics``' lock.
    @exclusivity(unchecked) private var batchTopic: (handle: OpaquePointer, index: UInt32)?
    @exclusivity(unchecked) private var seenTopics: [OpaquePointer: ProducerTopics.Topic] = [:]
    /// The topic ``knownTopic(_:)`` found last, by handle and name: reports come in runs to one
    /// topic, and the completion path asks once per report, where a dictionary lookup hashes
    /// every time. The name, not the `Topic`: reading a class reference out of a property
    /// retains and releases it, once per report. (`seenTopics` keeps the handle alive, so an
    /// address seen here is never another topic's.)
    @exclusivity(unchecked) private var lastTopic: (handle: OpaquePointer, name: String)?

    /// Keeps up to `maxUnreadBytes` of events nobody has read yet (see ``KafkaProducerEvents``);
    /// with `reportsDeliveries` off, deliveries are settled and counted without a report.
    init(buffer: ProducerBuffer, counters: KafkaClientCounters, topics: ProducerTopics, maxUnreadBytes: Int, reportsDeliveries: Bool = true) {
        // Unbounded here: `unread` bounds it, by weight.
        let (stream, continuation) = AsyncStream.makeStream(of: KafkaProducerEvent.self, bufferingPolicy: .unbounded)
        unread = UnreadEventWeight(limit: maxUnreadBytes)
        events = KafkaProducerEvents(stream: stream, unread: unread)
        self.continuation = continuation
        self.buffer = buffer
        self.counters = counters
        self.reportsDeliveries = reportsDeliveries
        self.topics = topics
    }

    /// A delivered first attempt, straight from librdkafka's report. Serving thread only.
    func delivered(_ message: UnsafePointer<rd_kafka_message_t>, byteCount: Int) {
        guard reportsDeliveries else {
            settle(byteCount: byteCount)
            return
        }
        reports.append(topic: topicIndex(of: message.pointee.rkt), partition: message.pointee.partition, offset: message.pointee.offset,
                       timestampMs: RdKafkaMessageCopy.timestampMs(message), attempts: 1)
        if reports.count == Self.reportsPerEvent { yieldReports() }
        settle(byteCount: byteCount)
    }

    /// A delivered message (any attempt). Serving thread only.
    func delivered(_ report: KafkaDeliveryReport, byteCount: Int) {
        if reportsDeliveries {
            reports.append(report)
            if reports.count == Self.reportsPerEvent { yieldReports() }
        }
        settle(byteCount: byteCount)
    }

    /// At most this many reports go in one event: one serve can bring tens of thousands, and
    /// an array that large is a fresh mmap (and page faults, and an munmap on the reading
    /// thread) each time, where 1,024 reports (32 KiB) stay in malloc's reused memory.
    static let reportsPerEvent = 1_024

    /// Yields the reports gathered so far as one event. Serving thread only.
    private func yieldReports() {
        let count = reports.count
        yield(.delivered(reports))
        // Room for as many as last time: events kept for a slow reader stay as small as their
        // reports.
        reports = KafkaDeliveryReports()
        reports.reserveCapacity(count)
        batchTopic = nil
    }

    /// A delivered message whose report went elsewhere (or nowhere): counted, and its room
    /// given back, in ``flush()``. Serving thread only.
    func settle(byteCount: Int) {
        settled.messages += 1
        settled.bytes += byteCount
    }

    /// A message that finally failed. From the serving thread (`inDeliveryReport`), the reports
    /// gathered so far go first, so that the stream keeps librdkafka's order; from elsewhere
    /// (a refused produce, shutdown) the failure is yielded and its room given back at once.
    func failed(_ message: KafkaProducerMessage, _ error: KafkaError, byteCount: Int, inDeliveryReport: Bool) {
        if inDeliveryReport { flush() }
        yield(.failed(message, error))
        buffer.release(messages: 1, bytes: byteCount)
    }

    /// A key's order was broken: after the reports gathered so far when on the serving thread
    /// (`inDeliveryReport`), so that the stream keeps librdkafka's order.
    func orderBroken(_ broken: KafkaOrderBreak, inDeliveryReport: Bool) {
        counters.orderBreaks.increment()
        if inDeliveryReport { flush() }
        yield(.orderBroken(broken))
    }

    /// Yields the gathered reports as one event, then counts them and gives back their room —
    /// in that order, so that a ``KafkaProducer/flush(timeout:)`` that sees an empty buffer
    /// finds every event already yielded. Serving thread only.
    func flush() {
        guard settled.messages > 0 else { return }
        if !reports.isEmpty { yieldReports() }
        counters.delivered.increment(by: settled.messages)
        buffer.release(messages: settled.messages, bytes: settled.bytes)
        settled = (0, 0)
    }

    /// Yields `event`, unless the unread events are at their bound: then it is counted, never
    /// lost silently.
    private func yield(_ event: KafkaProducerEvent) {
        let weight = UnreadEventWeight.weight(of: event)
        guard unread.admit(weight) else {
            counters.eventsDropped.increment()
            return
        }
        if case .terminated = continuation.yield(event) { unread.taken(event) }
    }

    /// Ends the stream (after the last serve).
    func finish() {
        continuation.finish()
    }

    /// The index in `reports` of the topic whose handle is `handle`.
    private func topicIndex(of handle: OpaquePointer?) -> UInt32 {
        guard let handle else { return reports.topicIndex("") }
        // Safe to compare addresses: ``ProducerTopics`` holds every handle it made, so no other
        // topic can be at this one's address.
        if let batchTopic, batchTopic.handle == handle { return batchTopic.index }
        guard let topic = knownTopic(handle) else {
            // Produced by name (past the handle limit): no handle of ours to compare with.
            return reports.topicIndex(String(cString: rd_kafka_topic_name(handle)))
        }
        let index = reports.topicIndex(topic.name)
        batchTopic = (handle, index)
        return index
    }

    /// The name of the topic whose handle is `handle` (a delivery report's `rkt`), without
    /// reading its C string when the handle is one of ours. Serving thread only.
    func topicName(of handle: OpaquePointer?) -> String {
        guard let handle else { return "" }
        if let lastTopic, lastTopic.handle == handle { return lastTopic.name }
        return knownTopic(handle)?.name ?? String(cString: rd_kafka_topic_name(handle))
    }

    /// The topic whose handle is `handle`, if ``ProducerTopics`` made it.
    private func knownTopic(_ handle: OpaquePointer) -> ProducerTopics.Topic? {
        guard let topic = seenTopics[handle] ?? topics.topic(handle: RdKafkaPointer(handle)) else { return nil }
        seenTopics[handle] = topic
        lastTopic = (handle, topic.name)
        return topic
    }
}
