import AWSAuth
import Foundation
import MSKKafka
import MSKLocal
import Testing
import TestSupport

/// The least-privilege policies README shows (`docs/policies/`), as written: a producer and a
/// consumer that pass, and the error a user sees when one action is taken out.
@Suite(.timeLimit(.minutes(2)))
struct DocumentedPolicyTests {
    static let producerRole = "arn:aws:iam::111122223333:role/orders-producer"
    static let consumerRole = "arn:aws:iam::111122223333:role/orders-consumer"
    static func document(_ name: String) -> String { PackagePaths.root.appendingPathComponent("docs/policies/\(name)").path }

    static func start() async throws -> MSKLocalServer {
        var configuration = MSKLocalConfiguration()
        configuration.brokers = 2
        configuration.topics = [(name: "orders", partitions: 3), (name: "payments", partitions: 1)]
        configuration.roleARNs = [producerRole, consumerRole]
        configuration.maximumCredentialLifetime = nil
        configuration.logger = MSKLocalFixture.quiet
        // As `msk-local --policy ARN=FILE` reads them.
        PolicyArgument.apply([try PolicyArgument("\(producerRole)=\(document("producer.json"))"),
                              try PolicyArgument("\(consumerRole)=\(document("consumer.json"))")], to: &configuration)
        return try await MSKLocalServer.start(configuration)
    }

    static func producer(_ local: MSKLocalServer) throws -> KafkaProducer {
        let credentials = try AuthorizationTests.roleCache(local, role: producerRole)
        return try KafkaProducer(configuration: try MSKLocalFixture.producerConfiguration(local, credentials: credentials, tokenLifetime: 900,
                                                                                           delivery: .init(maxRetries: 3)),
                                 logger: MSKLocalFixture.quiet)
    }

    @Test func theDocumentedProducerAndConsumerPoliciesAreEnough() async throws {
        let local = try await Self.start()
        let producer = try Self.producer(local)
        for index in 0..<30 { _ = try await producer.send(KafkaProducerMessage(topic: "orders", key: "k\(index % 3)", value: "order-\(index)")) }
        // Nothing else: another topic is refused, with the action to add.
        let other = await AuthorizationTests.outcome { try await producer.send(KafkaProducerMessage(topic: "payments", value: "no")) }
        #expect(AuthorizationTests.authorizationFailure(other)?.resource == "topic 'payments'", "\(other)")
        await producer.shutdown()

        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(
            connection: try MSKLocalFixture.connection(local, credentials: try AuthorizationTests.roleCache(local, role: Self.consumerRole)),
            groupID: "orders-readers"
        ), logger: MSKLocalFixture.quiet)
        try consumer.subscribe(topics: ["orders"])
        let messages = await consumer.read(30, within: .seconds(60))
        #expect(Set(messages.map(\.valueString)) == Set((0..<30).map { "order-\($0)" }))
        try consumer.commit(try #require(messages.last))
        consumer.close()
        let denials = local.authorizer.denials(since: 0).denials
        #expect(denials.allSatisfy { $0.resource.hasSuffix("/payments") }, "only the topic outside the policy was denied: \(denials.prefix(3))")
        await local.shutdown()
    }

    @Test func withoutWriteDataIdempotentlyTheProducerSaysWhatIsMissing() async throws {
        let local = try await Self.start()
        let text = try String(contentsOfFile: Self.document("producer.json"), encoding: .utf8)
        let trimmed = text.replacingOccurrences(of: #", "kafka-cluster:WriteDataIdempotently""#, with: "")
        #expect(trimmed != text, "the documented policy grants WriteDataIdempotently")
        try local.authorizer.setPolicy(try IAMPolicy(json: Array(trimmed.utf8)), for: Self.producerRole)
        let producer = try Self.producer(local)
        let result = await AuthorizationTests.outcome { try await producer.send(KafkaProducerMessage(topic: "orders", value: "x")) }
        guard case .failure(let error) = result else {
            Issue.record("delivered without WriteDataIdempotently")
            return
        }
        // README quotes this text.
        #expect("\(error)" == "not authorized: CLUSTER_AUTHORIZATION_FAILED: not authorized for kafka-cluster:WriteDataIdempotently on the cluster; "
            + "the producer is idempotent: its role needs kafka-cluster:WriteDataIdempotently on the cluster's ARN, or set idempotence: false", "\(error)")
        let denial = try #require(local.authorizer.denials(since: 0).denials.first)
        #expect(denial.action == "kafka-cluster:WriteDataIdempotently" && denial.kind == "implicit")
        await producer.shutdown(timeout: .milliseconds(100))
        await local.shutdown()
    }
}
