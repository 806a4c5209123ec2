import Foundation

/// A message to produce. Values and keys are bytes; `String` and `Data` convert without
/// surprises.
public struct KafkaProducerMessage: Sendable {
    // Declared value first so that the synthesized memberwise initializer,
    // `init(value:topic:partition:key:headers:timestamp:)`, does not clash with the public one,
    // which calls it: built by field assignments instead, a message is assembled, copied and
    // the original destroyed at every call site (Swift 6.3) — two retains and releases of each
    // of its arrays per message sent.

    /// The value.
    public var value: [UInt8]
    /// The topic.
    public var topic: String
    /// An explicit partition, or `nil` for the partitioner's choice (by key).
    public var partition: Int32?
    /// The key, if any.
    public var key: [UInt8]?
    /// Headers, in order; names may repeat.
    public var headers: [(name: String, value: [UInt8])]
    /// The message timestamp, or `nil` for the producer's clock.
    public var timestamp: Date?
}

extension KafkaProducerMessage {
    /// Creates a message from bytes.
    public init(topic: String, partition: Int32? = nil, key: [UInt8]? = nil, value: [UInt8], headers: [(name: String, value: [UInt8])] = [], timestamp: Date? = nil) {
        self.init(value: value, topic: topic, partition: partition, key: key, headers: headers, timestamp: timestamp)
    }

    /// Creates a message from UTF-8 text.
    public init(topic: String, partition: Int32? = nil, key: String? = nil, value: String, headers: [(name: String, value: String)] = []) {
        self.init(topic: topic, partition: partition, key: key.map { Array($0.utf8) }, value: Array(value.utf8), headers: headers.map { ($0.name, Array($0.value.utf8)) })
    }

    /// Creates a message from `Data`.
    public init(topic: String, partition: Int32? = nil, key: Data? = nil, value: Data) {
        self.init(topic: topic, partition: partition, key: key.map { [UInt8]($0) }, value: [UInt8](value))
    }

    /// Bytes this message holds in the local buffer. Inlined into every enqueue: headers, the
    /// rare case, are summed out of line.
    @inline(__always)
    var byteCount: Int {
        let bodies = value.count + (key?.count ?? 0)
        return headers.isEmpty ? bodies : bodies + headerByteCount
    }

    private var headerByteCount: Int {
        headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.count }
    }
}

/// Where and when a message was stored.
public struct KafkaDeliveryReport: Sendable, Equatable {
    /// The topic.
    public var topic: String
    /// The partition it went to.
    public var partition: Int32
    /// Its offset in that partition.
    public var offset: Int64
    /// Its timestamp (ms since epoch), if the broker or producer set one.
    public var timestampMs: Int64?
    /// How many times it was produced (1 = first attempt).
    public var attempts: Int
}
