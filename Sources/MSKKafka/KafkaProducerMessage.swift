import Foundation

/// A message to produce. Values and keys are bytes; a value given as `String` or `Data` is
/// handed to librdkafka (which copies it) as it is, without a copy of our own first. A byte
/// value of 512 bytes or more is not copied at all: librdkafka reads it where it is, and the
/// producer keeps it alive until the message's delivery report.
public struct KafkaProducerMessage: Sendable {
    // Declared bytes first so that the synthesized memberwise initializer,
    // `init(bytes:topic:partition:key:headers:timestamp:given:)`, does not clash with the public
    // ones, which call it: built by field assignments instead, a message is assembled, copied
    // and the original destroyed at every call site (Swift 6.3) — two retains and releases of
    // each of its arrays per message sent.

    /// The value when given as bytes (empty when ``given`` holds it).
    var bytes: [UInt8]
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
    /// The value when given as `Data` or `String`, kept as it is. A separate optional rather than
    /// one enum for every form: the byte path, the fast one, then copies and checks no more
    /// than before (an enum of the three cost some 50 ns per message in retains and releases).
    var given: GivenValue?

    /// The value's bytes. A value given as `String` or `Data` is converted when this is read.
    public var value: [UInt8] {
        get { given?.bytes ?? bytes }
        set {
            bytes = newValue
            given = nil
        }
    }

    /// A value kept as the caller gave it.
    enum GivenValue: Sendable {
        case data(Data)
        case text(String)

        var count: Int {
            switch self {
            case .data(let data): data.count
            // O(1): native strings keep UTF-8.
            case .text(let text): text.utf8.count
            }
        }

        var bytes: [UInt8] {
            switch self {
            case .data(let data): [UInt8](data)
            case .text(let text): Array(text.utf8)
            }
        }

        func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
            switch self {
            case .data(let data):
                return data.withUnsafeBytes(body)
            case .text(var text):
                if let result = text.utf8.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) { return result }
                // A string that does not keep contiguous UTF-8 (bridged): a contiguous copy for this call.
                text.makeContiguousUTF8()
                return text.utf8.withContiguousStorageIfAvailable { body(UnsafeRawBufferPointer($0)) } ?? Array(text.utf8).withUnsafeBytes(body)
            }
        }
    }

    /// Calls `body` with the value's bytes, in place.
    @inline(__always)
    func withValueBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        if let given { return given.withUnsafeBytes(body) }
        return bytes.withUnsafeBytes(body)
    }

    /// The value's length in bytes.
    @inline(__always)
    var valueCount: Int { given?.count ?? bytes.count }

    /// From this many bytes on, a byte value is handed to librdkafka without a copy: librdkafka
    /// points to it, and the attempt keeps it alive until its delivery report. Below it, the
    /// copy costs less than the small object that keeps the value (measured in kafka-bench:
    /// holding cost 14% of throughput at 256 B and gained 5% at 512 B and 14% at 1 KiB).
    static let heldValueThreshold = 512

    /// The byte value, when librdkafka should point to it rather than copy it.
    @inline(__always)
    var heldValueCandidate: [UInt8]? {
        given == nil && bytes.count >= Self.heldValueThreshold ? bytes : nil
    }
}

extension KafkaProducerMessage {
    /// Creates a message from bytes.
    public init(topic: String, partition: Int32? = nil, key: [UInt8]? = nil, value: [UInt8], headers: [(name: String, value: [UInt8])] = [], timestamp: Date? = nil) {
        self.init(bytes: value, topic: topic, partition: partition, key: key, headers: headers, timestamp: timestamp, given: nil)
    }

    /// Creates a message from UTF-8 text. The value is not copied until librdkafka copies it.
    public init(topic: String, partition: Int32? = nil, key: String? = nil, value: String, headers: [(name: String, value: String)] = []) {
        self.init(bytes: [], topic: topic, partition: partition, key: key.map { Array($0.utf8) },
                  headers: headers.map { ($0.name, Array($0.value.utf8)) }, timestamp: nil, given: .text(value))
    }

    /// Creates a message from `Data`. The value is not copied until librdkafka copies it.
    public init(topic: String, partition: Int32? = nil, key: Data? = nil, value: Data) {
        self.init(bytes: [], topic: topic, partition: partition, key: key.map { [UInt8]($0) }, headers: [], timestamp: nil, given: .data(value))
    }

    /// Bytes this message holds in the local buffer. Inlined into every enqueue: headers, the
    /// rare case, are summed out of line.
    @inline(__always)
    var byteCount: Int {
        let bodies = valueCount + (key?.count ?? 0)
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
