import Tracing

/// OpenTelemetry's messaging semantic conventions (1.27+) for Kafka spans: the attribute
/// names, in one place, so that producer and consumer spans agree with each other and with
/// other Kafka clients' spans in the same trace.
enum KafkaMessagingAttributes {
    static let system = "messaging.system"
    static let operationType = "messaging.operation.type"
    static let operationName = "messaging.operation.name"
    static let destination = "messaging.destination.name"
    static let partition = "messaging.destination.partition.id"
    static let offset = "messaging.kafka.offset"
    static let clientID = "messaging.client.id"
    static let consumerGroup = "messaging.consumer.group.name"
    static let bodySize = "messaging.message.body.size"
    static let errorType = "error.type"

    /// What every span of one message has: system, operation, destination, client, body size.
    /// The key is left out on purpose: keys often carry user or account ids, and traces are
    /// read by many.
    static func common(_ attributes: inout SpanAttributes, operation: String, topic: String, clientID: String, bodySize: Int) {
        attributes[system] = "kafka"
        attributes[operationType] = operation
        attributes[operationName] = operation
        attributes[destination] = topic
        attributes[Self.clientID] = clientID
        attributes[Self.bodySize] = bodySize
    }

    /// Where the message is stored. The partition id is a string in the conventions.
    static func stored(_ attributes: inout SpanAttributes, partition: Int32, offset: Int64) {
        attributes[Self.partition] = String(partition)
        attributes[Self.offset] = Int(offset)
    }
}
