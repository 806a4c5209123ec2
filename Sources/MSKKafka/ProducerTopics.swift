import Synchronization

/// The producer's librdkafka topic handles: one per topic it writes to, made on first use and
/// held until shutdown.
///
/// A produce hands librdkafka the handle instead of the topic's name. Given a name, librdkafka
/// looks the topic up for every message: a read lock on the client, a walk over its topics
/// with a string compare each, and a reference taken and dropped. And while a handle is held,
/// its address names its topic: no other topic can be made at that address, so a delivery report
/// (which carries the address) finds its topic's name by address, without reading the C string.
final class ProducerTopics: Sendable {
    /// One topic's handle, and its name.
    final class Topic: Sendable {
        let name: String
        /// The `rd_kafka_topic_t`.
        let handle: RdKafkaPointer

        init(name: String, handle: RdKafkaPointer) {
            self.name = name
            self.handle = handle
        }
    }

    /// Handles held at most, by default. Beyond this many topics, messages go by name: a
    /// producer that writes to ever-new topics must not hold a handle for each of them for ever.
    static let defaultLimit = 1_024

    let limit: Int
    private let client: RdKafkaClient

    private struct State {
        var byName: [String: Topic] = [:]
        var byHandle: [RdKafkaPointer: Topic] = [:]
        var destroyed = false
    }

    private let state = Mutex(State())
    /// The topic last looked up by name, unretained (`state` holds it until ``destroyAll()``):
    /// what a run of messages to one topic finds with a load and a string compare, with no lock.
    private let latest = Atomic<Unmanaged<Topic>?>(nil)

    /// Handles are made on `client`, at most `limit` of them.
    init(client: RdKafkaClient, limit: Int = ProducerTopics.defaultLimit) {
        self.client = client
        self.limit = limit
    }

    /// The handle for the topic `name`, or nil where the message must go by name: past
    /// ``limit``, after ``destroyAll()``, or when librdkafka will not make one (an invalid name —
    /// the produce by name then fails with librdkafka's own error).
    func handle(named name: String) -> RdKafkaPointer? {
        if let latest = latest.load(ordering: .acquiring) {
            // Borrowed, not retained: `state` keeps it alive, and this runs once per message.
            let handle = latest._withUnsafeGuaranteedRef { $0.name == name ? $0.handle : nil }
            if let handle { return handle }
        }
        return lookUp(name)
    }

    private func lookUp(_ name: String) -> RdKafkaPointer? {
        let topic: Topic? = state.withLock { state in
            if state.destroyed { return nil }
            if let known = state.byName[name] { return known }
            guard state.byName.count < limit, let handle = client.makeTopic(named: name) else { return nil }
            let topic = Topic(name: name, handle: handle)
            state.byName[name] = topic
            state.byHandle[handle] = topic
            return topic
        }
        guard let topic else { return nil }
        latest.store(Unmanaged.passUnretained(topic), ordering: .releasing)
        return topic.handle
    }

    /// The topic whose handle is `handle`, if it is one of ours.
    func topic(handle: RdKafkaPointer) -> Topic? {
        state.withLock { $0.byHandle[handle] }
    }

    /// Gives every handle back to librdkafka (before the client is destroyed); later lookups
    /// answer nil. Call only once nothing can produce any more.
    func destroyAll() {
        latest.store(nil, ordering: .releasing)
        let topics = state.withLock { state -> [Topic] in
            state.destroyed = true
            defer { state.byName = [:] }
            return Array(state.byName.values)
        }
        for topic in topics { client.destroyTopic(topic.handle) }
    }
}
