import CRdKafka

/// A Kafka protocol error code a broker answers with, for ``MockKafkaCluster/pushRequestErrors(apiKey:_:)``.
///
/// The raw value is the code on the wire (librdkafka's `rd_kafka_resp_err_t` for broker errors);
/// the static members name the ones tests inject. Any other code: `KafkaErrorCode(rawValue: 7)`.
public struct KafkaErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The Kafka protocol error code.
    public let rawValue: Int32

    /// The code `rawValue`.
    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    private init(_ code: rd_kafka_resp_err_t) {
        rawValue = code.rawValue
    }

    /// UNKNOWN_TOPIC_OR_PARTITION (3): the broker does not host this topic-partition.
    public static let unknownTopicOrPartition = KafkaErrorCode(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
    /// LEADER_NOT_AVAILABLE (5): an election is under way; retriable.
    public static let leaderNotAvailable = KafkaErrorCode(RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE)
    /// NOT_LEADER_OR_FOLLOWER (6): the broker is no longer the leader; retriable after a metadata refresh.
    public static let notLeaderForPartition = KafkaErrorCode(RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION)
    /// REQUEST_TIMED_OUT (7): the broker timed out waiting for replication; retriable.
    public static let requestTimedOut = KafkaErrorCode(RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT)
    /// NOT_ENOUGH_REPLICAS (19): fewer in-sync replicas than `min.insync.replicas`; retriable.
    public static let notEnoughReplicas = KafkaErrorCode(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS)
    /// TOPIC_AUTHORIZATION_FAILED (29): the principal may not use this topic; not retriable.
    public static let topicAuthorizationFailed = KafkaErrorCode(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED)
    /// GROUP_AUTHORIZATION_FAILED (30): the principal may not use this consumer group.
    public static let groupAuthorizationFailed = KafkaErrorCode(RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED)
    /// CLUSTER_AUTHORIZATION_FAILED (31): the principal may not perform a cluster action.
    public static let clusterAuthorizationFailed = KafkaErrorCode(RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED)

    /// librdkafka's name for the code, e.g. `TOPIC_AUTHORIZATION_FAILED`.
    public var description: String {
        String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rawValue: rawValue)))
    }
}

/// A Kafka protocol API, by its key, for ``MockKafkaCluster/pushRequestErrors(apiKey:_:)``.
public struct KafkaAPIKey: RawRepresentable, Hashable, Sendable {
    /// The API key on the wire.
    public let rawValue: Int16

    /// The API with key `rawValue`.
    public init(rawValue: Int16) {
        self.rawValue = rawValue
    }

    /// Produce (0).
    public static let produce = KafkaAPIKey(rawValue: 0)
    /// Fetch (1).
    public static let fetch = KafkaAPIKey(rawValue: 1)
    /// Metadata (3).
    public static let metadata = KafkaAPIKey(rawValue: 3)
    /// OffsetCommit (8).
    public static let offsetCommit = KafkaAPIKey(rawValue: 8)
    /// JoinGroup (11).
    public static let joinGroup = KafkaAPIKey(rawValue: 11)
}
