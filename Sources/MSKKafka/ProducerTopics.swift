import CRdKafka
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
        /// The `rd_kafka_topic_t *`, as a bit pattern (OpaquePointer is not Sendable).
        let handleBits: Int

        init(name: String, handleBits: Int) {
            self.name = name
            self.handleBits = handleBits
        }
    }

    /// Handles held at most, by default. Beyond this many topics, messages go by name: a
    /// producer that writes to ever-new topics must not hold a handle for each of them for ever.
    static let defaultLimit = 1_024

    let limit: Int

    private struct State {
        /// The `rd_kafka_t *`, as a bit pattern; 0 until ``attach(clientBits:)``.
        var clientBits = 0
        var byName: [String: Topic] = [:]
        var byHandle: [Int: Topic] = [:]
        var destroyed = false
    }

    private let state = Mutex(State())
    /// The topic last looked up by name, unretained (`state` holds it until ``destroyAll()``):
    /// what a run of messages to one topic finds with a load and a string compare, with no lock.
    private let latest = Atomic<Int>(0)

    /// Made before the client (whose callbacks need it); handles are made once
    /// ``attach(clientBits:)`` names the client.
    init(limit: Int = ProducerTopics.defaultLimit) {
        self.limit = limit
    }

    /// The client to make handles on (an `rd_kafka_t *`, as a bit pattern).
    func attach(clientBits: Int) {
        state.withLock { $0.clientBits = clientBits }
    }

    /// The handle for the topic `name`, or nil where the message must go by name: past
    /// ``limit``, after ``destroyAll()``, or when librdkafka will not make one (an invalid name —
    /// the produce by name then fails with librdkafka's own error).
    func handle(named name: String) -> OpaquePointer? {
        let latestBits = latest.load(ordering: .acquiring)
        if let latest = UnsafeRawPointer(bitPattern: latestBits) {
            // Borrowed, not retained: `state` keeps it alive, and this runs once per message.
            let bits = Unmanaged<Topic>.fromOpaque(latest)._withUnsafeGuaranteedRef { $0.name == name ? $0.handleBits : 0 }
            if bits != 0 { return OpaquePointer(bitPattern: bits) }
        }
        return lookUp(name)
    }

    private func lookUp(_ name: String) -> OpaquePointer? {
        let topic: Topic? = state.withLock { state in
            if state.destroyed { return nil }
            if let known = state.byName[name] { return known }
            guard state.byName.count < limit, let client = OpaquePointer(bitPattern: state.clientBits),
                  let handle = rd_kafka_topic_new(client, name, nil) else { return nil }
            let topic = Topic(name: name, handleBits: Int(bitPattern: handle))
            state.byName[name] = topic
            state.byHandle[topic.handleBits] = topic
            return topic
        }
        guard let topic else { return nil }
        latest.store(Int(bitPattern: Unmanaged.passUnretained(topic).toOpaque()), ordering: .releasing)
        return OpaquePointer(bitPattern: topic.handleBits)
    }

    /// The topic whose handle is at `handle`, if it is one of ours.
    func topic(handle: OpaquePointer) -> Topic? {
        state.withLock { $0.byHandle[Int(bitPattern: handle)] }
    }

    /// Gives every handle back to librdkafka (before `rd_kafka_destroy`); later lookups answer
    /// nil. Call only once nothing can produce any more.
    func destroyAll() {
        latest.store(0, ordering: .releasing)
        let topics = state.withLock { state -> [Topic] in
            state.destroyed = true
            defer { state.byName = [:] }
            return Array(state.byName.values)
        }
        for topic in topics {
            if let handle = OpaquePointer(bitPattern: topic.handleBits) { rd_kafka_topic_destroy(handle) }
        }
    }
}
