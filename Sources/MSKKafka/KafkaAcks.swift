/// How many replicas must store a message before the broker acknowledges it (`acks`).
///
/// The raw value is the librdkafka property value.
public enum KafkaAcks: String, Sendable, Hashable, CaseIterable {
    /// Every in-sync replica (`all`, Kafka's `-1`): a message counts as stored once a broker
    /// failure can no longer lose it. Required by ``KafkaProducerConfiguration/idempotence``.
    case all
    /// The partition leader alone (`1`): lost if the leader fails before the followers copy it.
    case leader = "1"
    /// No acknowledgement (`0`): the producer never learns whether a message was stored, and
    /// the broker cannot report an authorization failure (it closes the connection instead).
    case none = "0"
}
