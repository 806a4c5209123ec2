import Foundation
import Testing
@testable import MSKKafka

@Suite(.timeLimit(.minutes(2)))
struct KafkaConsumerTests {
    @Test func readsWhatTheProducerWroteInOrderPerPartitionAndCommits() async throws {
        let cluster = try MockKafkaCluster(brokers: 2)
        cluster.createTopic("consume", partitions: 3)
        let producer = try KafkaProducer(configuration: KafkaProducerTests.configuration(cluster), logger: KafkaProducerTests.quiet)
        for index in 0..<60 {
            _ = try await producer.send(KafkaProducerMessage(topic: "consume", key: "key-\(index % 6)", value: "\(index)", headers: [("n", "\(index)")]))
        }
        await producer.shutdown()

        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(bootstrapServers: [cluster.bootstrapServers], groupID: "readers"),
                                         logger: KafkaProducerTests.quiet)
        try consumer.subscribe(topics: ["consume"])
        var received: [KafkaConsumerMessage] = []
        for await message in consumer.messages {
            received.append(message)
            if received.count == 60 { break }
        }
        #expect(Set(received.map(\.valueString)) == Set((0..<60).map(String.init)))
        // Per key (hence per partition), values arrive in the order they were sent.
        for key in 0..<6 {
            let values = received.filter { $0.keyString == "key-\(key)" }.map { Int($0.valueString)! }
            #expect(values == values.sorted(), "key-\(key)")
            #expect(Set(received.filter { $0.keyString == "key-\(key)" }.map(\.partition)).count == 1)
        }
        #expect(received.allSatisfy { $0.headers.first?.name == "n" && $0.headers.first.map { String(decoding: $0.value, as: UTF8.self) } == $0.valueString })
        try consumer.commit(try #require(received.last))
        consumer.close()
    }

    @Test func assignReadsFromAGivenOffset() async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("assigned")
        let producer = try KafkaProducer(configuration: KafkaProducerTests.configuration(cluster), logger: KafkaProducerTests.quiet)
        for index in 0..<10 { _ = try await producer.send(KafkaProducerMessage(topic: "assigned", partition: 0, value: "m\(index)")) }
        await producer.shutdown()
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(bootstrapServers: [cluster.bootstrapServers], groupID: "g2"),
                                         logger: KafkaProducerTests.quiet)
        try consumer.assign([(topic: "assigned", partition: 0, offset: 7)])
        var values: [String] = []
        for await message in consumer.messages {
            values.append(message.valueString)
            if values.count == 3 { break }
        }
        #expect(values == ["m7", "m8", "m9"])
        consumer.close()
    }
}
