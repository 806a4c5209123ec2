import AWSAuth
import Foundation
import Logging
import MSKLocal
import ServiceLifecycle
import Synchronization
import Testing
@testable import MSKKafka
import MSKKafkaTesting

/// Behaviour the README promises that no other test pinned: the `.msk` preset, the producer as
/// a swift-service-lifecycle `Service`, messages waiting for a retry dead-lettered at shutdown,
/// and a consumer commit that a later consumer of the group starts from.
@Suite(.timeLimit(.minutes(2)))
struct PromisedBehaviourTests {
    @Test func theMSKPresetIsTLSAndIAMWithRefreshingCredentials() throws {
        let configuration = try KafkaProducerConfiguration.msk(bootstrapServers: ["b-1.example.kafka.eu-west-1.amazonaws.com:9098"], region: "eu-west-1")
        let properties = Dictionary(configuration.librdkafkaProperties, uniquingKeysWith: { $1 })
        #expect(properties["security.protocol"] == "SASL_SSL")
        #expect(properties["sasl.mechanisms"] == "OAUTHBEARER")
        #expect(properties["bootstrap.servers"] == "b-1.example.kafka.eu-west-1.amazonaws.com:9098")
        let source = try #require(configuration.authentication.tokenSource)
        #expect(source.immediateToken != nil, "tokens minted on librdkafka's thread from cached credentials")
        #expect(source.rotations != nil, "a new token at each credential rotation")
    }

    @Test func asAServiceTheProducerFlushesOnGracefulShutdown() async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("service")
        let producer = try KafkaProducer(configuration: KafkaProducerTests.configuration(cluster), logger: KafkaProducerTests.quiet)
        let group = ServiceGroup(services: [producer], gracefulShutdownSignals: [], logger: KafkaProducerTests.quiet)
        let running = Task { try await group.run() }
        for index in 0..<200 { try await producer.enqueue(KafkaProducerMessage(topic: "service", value: "m\(index)")) }
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(producer.counters.delivered.value == 200, "graceful shutdown flushed what was accepted")
        await #expect(throws: KafkaError.self) { try await producer.send(KafkaProducerMessage(topic: "service", value: "after")) }
    }

    @Test func messagesWaitingForARetryAreDeadLetteredAtShutdown() async throws {
        let cluster = try await LocalKafkaCluster.start()
        cluster.createTopic("waiting")
        try cluster.setBroker(1, up: false)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dlq-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        // Short attempts, a long backoff: after the first timeout each message waits for its retry.
        // Timeouts retried by the retry layer (per-key order would give librdkafka the budget).
        let policy = KafkaProducerConfiguration.DeliveryPolicy(maxRetries: 5, retryBackoff: .seconds(60), maxRetryBackoff: .seconds(60), deadLetterPath: path, ordering: .none)
        let producer = try KafkaProducer(configuration: KafkaProducerTests.configuration(cluster, delivery: policy, messageTimeout: .milliseconds(300)),
                                         logger: KafkaProducerTests.quiet)
        for index in 0..<5 { try await producer.enqueue(KafkaProducerMessage(topic: "waiting", value: "m\(index)")) }
        let deadline = ContinuousClock.now + .seconds(15)
        while producer.counters.retries.value < 5, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(producer.counters.retries.value == 5, "every message is waiting for its retry")
        await producer.shutdown(timeout: .milliseconds(100))
        #expect(producer.counters.deadLettered.value == 5)
        #expect(Set(try DeadLetterFile.read(path: path).map { String(decoding: $0.message.value, as: UTF8.self) }) == Set((0..<5).map { "m\($0)" }))
    }

    @Test func aCommittedOffsetIsWhereTheGroupResumes() async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("committed")
        let producer = try KafkaProducer(configuration: KafkaProducerTests.configuration(cluster), logger: KafkaProducerTests.quiet)
        for index in 0..<10 { _ = try await producer.send(KafkaProducerMessage(topic: "committed", partition: 0, value: "m\(index)")) }
        await producer.shutdown()
        func consumer() throws -> KafkaConsumer {
            try KafkaConsumer(configuration: KafkaConsumerConfiguration(connection: cluster.connection, groupID: "resumes"), logger: KafkaProducerTests.quiet)
        }
        let first = try consumer()
        try first.assign([(topic: "committed", partition: 0, offset: KafkaConsumer.beginning)])
        var iterator = first.messages.makeAsyncIterator()
        var fifth: KafkaConsumerMessage?
        for _ in 0..<5 { fifth = await iterator.next() }
        try first.commit(try #require(fifth))
        first.close()
        // Offset "stored": where the group committed.
        let second = try consumer()
        try second.assign([(topic: "committed", partition: 0, offset: -1000)])
        var resumed = second.messages.makeAsyncIterator()
        #expect(await resumed.next()?.valueString == "m5")
        second.close()
    }
}
