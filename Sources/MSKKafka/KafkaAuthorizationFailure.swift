import CRdKafka

/// A request the cluster refused for want of a permission: on MSK with IAM access control, an
/// action missing from the principal's IAM policy. Final — no retry helps until the policy
/// changes — so the messages it concerns are reported (and dead-lettered) at once.
public struct KafkaAuthorizationFailure: Sendable, Equatable, CustomStringConvertible {
    /// The Kafka error code (`TOPIC_AUTHORIZATION_FAILED`, `CLUSTER_AUTHORIZATION_FAILED`, ...).
    public let code: Int32
    /// Its name.
    public let name: String
    /// The IAM action most likely missing, e.g. `kafka-cluster:WriteData`.
    public let action: String
    /// What it was refused on: `topic 'orders'`, `the cluster`, ...
    public let resource: String
    /// What to do about it.
    public let hint: String

    /// The failure for `code`, or `nil` when `code` is not an authorization error.
    /// - Parameters:
    ///   - topic: the topic of the request, when it has one.
    ///   - idempotentProducer: whether the client is an idempotent producer, whose
    ///     `InitProducerId` needs `kafka-cluster:WriteDataIdempotently`.
    ///   - consumer: whether the client reads (a topic then needs `ReadData`, not `WriteData`).
    init?(code: Int32, topic: String?, idempotentProducer: Bool, consumer: Bool = false) {
        let error = rd_kafka_resp_err_t(rawValue: code)
        self.code = code
        self.name = String(cString: rd_kafka_err2name(error))
        switch error {
        case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED where consumer:
            action = "kafka-cluster:ReadData"
            resource = topic.map { "topic '\($0)'" } ?? "the topic"
            hint = "allow kafka-cluster:ReadData and kafka-cluster:DescribeTopic on the topic's ARN in the role's policy"
        case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
            action = "kafka-cluster:WriteData"
            resource = topic.map { "topic '\($0)'" } ?? "the topic"
            hint = "allow kafka-cluster:WriteData and kafka-cluster:DescribeTopic on the topic's ARN in the role's policy"
        case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED where idempotentProducer:
            action = "kafka-cluster:WriteDataIdempotently"
            resource = "the cluster"
            hint = "the producer is idempotent: its role needs kafka-cluster:WriteDataIdempotently on the cluster's ARN, or set idempotence: false"
        case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
            action = "kafka-cluster:Connect"
            resource = "the cluster"
            hint = "the role's policy lacks a cluster-level action (kafka-cluster:Connect, kafka-cluster:DescribeCluster, ...) on the cluster's ARN"
        case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
            action = "kafka-cluster:AlterGroup"
            resource = "the consumer group"
            hint = "allow kafka-cluster:AlterGroup and kafka-cluster:DescribeGroup on the group's ARN"
        case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
            action = "kafka-cluster:AlterTransactionalId"
            resource = "the transactional id"
            hint = "allow kafka-cluster:AlterTransactionalId and kafka-cluster:DescribeTransactionalState on the transactional id's ARN"
        default:
            return nil
        }
    }

    public var description: String {
        "\(name): not authorized for \(action) on \(resource); \(hint)"
    }
}
