import CRdKafka
@testable import MSKKafka
import Testing

/// Each Kafka authorization error names the IAM action most likely missing; other errors are
/// not authorization failures.
struct KafkaAuthorizationFailureTests {
    @Test(arguments: [
        (RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, true, "kafka-cluster:WriteData", "topic 'orders'"),
        (RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED, true, "kafka-cluster:WriteDataIdempotently", "the cluster"),
        (RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED, false, "kafka-cluster:Connect", "the cluster"),
        (RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED, true, "kafka-cluster:AlterGroup", "the consumer group"),
        (RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED, true, "kafka-cluster:AlterTransactionalId", "the transactional id"),
    ])
    func namesTheMissingAction(code: rd_kafka_resp_err_t, idempotent: Bool, action: String, resource: String) throws {
        let failure = try #require(KafkaAuthorizationFailure(code: code.rawValue, topic: "orders", idempotentProducer: idempotent))
        #expect(failure.action == action)
        #expect(failure.resource == resource)
        #expect("\(KafkaError.authorization(failure))".contains(action))
    }

    @Test func otherErrorsAreNotAuthorizationFailures() {
        for code in [RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED, RD_KAFKA_RESP_ERR_NO_ERROR, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART] {
            #expect(KafkaAuthorizationFailure(code: code.rawValue, topic: nil, idempotentProducer: true) == nil, "\(code)")
        }
    }
}
