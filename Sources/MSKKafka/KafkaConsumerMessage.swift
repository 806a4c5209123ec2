import Tracing

/// A message read by a ``KafkaConsumer`` (copied out of librdkafka).
public struct KafkaConsumerMessage: Sendable {
    /// The topic.
    public var topic: String
    /// The partition.
    public var partition: Int32
    /// The offset.
    public var offset: Int64
    /// The key, if any.
    public var key: [UInt8]?
    /// The value.
    public var value: [UInt8]
    /// The headers, in order.
    public var headers: [(name: String, value: [UInt8])]
    /// The timestamp (ms since epoch), if any.
    public var timestampMs: Int64?
    /// The trace context the message arrived with, as the consumer's span: with tracing on
    /// (``KafkaTracing``), the `receive` span that is a child of the producer's span whose
    /// context is in the headers; `.topLevel` when tracing is off. Process the message under it
    /// (`ServiceContext.withValue(message.serviceContext) { … }`, or as a span's `context:`) to
    /// continue the trace.
    public var serviceContext: ServiceContext = .topLevel

    /// The value as UTF-8 text.
    public var valueString: String { String(decoding: value, as: UTF8.self) }
    /// The key as UTF-8 text.
    public var keyString: String? { key.map { String(decoding: $0, as: UTF8.self) } }
}
