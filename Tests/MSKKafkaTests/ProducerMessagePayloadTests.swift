import Foundation
import Testing
@testable import MSKKafka
import MSKKafkaTesting

/// Values given as bytes, `Data` or `String` travel as given — no copy of our own before
/// librdkafka's — and reach the broker byte for byte.
@Suite(.timeLimit(.minutes(1)))
struct ProducerMessagePayloadTests {
    @Test func eachFormKeepsItsValueItsWeightAndReadsAsBytes() {
        let text = "naïve ✓ " + String(repeating: "x", count: 40)
        let slice = Data((0..<200).map { UInt8($0) })[17..<150]
        let fromText = KafkaProducerMessage(topic: "t", key: "k", value: text)
        let fromData = KafkaProducerMessage(topic: "t", value: slice)
        let fromBytes = KafkaProducerMessage(topic: "t", value: [1, 2, 3])

        guard case .text = fromText.given, case .data = fromData.given else {
            Issue.record("String and Data values were converted to bytes up front")
            return
        }
        #expect(fromText.value == Array(text.utf8))
        #expect(fromText.byteCount == text.utf8.count + 1, "UTF-8 bytes, not characters, plus the key")
        #expect(fromData.value == [UInt8](slice))
        #expect(fromData.byteCount == 133)
        #expect(fromData.withValueBytes { Array($0) } == [UInt8](slice), "a slice's own bytes, from its start index")
        #expect(fromText.withValueBytes { Array($0) } == Array(text.utf8))
        #expect(fromBytes.byteCount == 3)

        var changed = fromData
        changed.value = [9]
        #expect(changed.value == [9] && changed.byteCount == 1)
        #expect(fromData.value == [UInt8](slice), "a copy of the message keeps its own value")
    }

    @Test func textAndDataValuesReachTheBrokerByteForByte() async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("payloads")
        let producer = try KafkaProducer(configuration: KafkaProducerTests.configuration(cluster), logger: KafkaProducerTests.quiet)
        let text = String(repeating: "ünïcødé ✓ ", count: 300)
        let data = Data((0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let slice = data[1_001..<65_000]
        let expected: [[UInt8]] = [Array(text.utf8), [UInt8](data), [UInt8](slice), [0, 255]]
        _ = try await producer.send(KafkaProducerMessage(topic: "payloads", partition: 0, value: text))
        _ = try await producer.send(KafkaProducerMessage(topic: "payloads", partition: 0, value: data))
        try await producer.enqueue(KafkaProducerMessage(topic: "payloads", partition: 0, value: slice))
        try await producer.enqueue(KafkaProducerMessage(topic: "payloads", partition: 0, value: [0, 255]))
        #expect(await producer.flush(timeout: .seconds(10)))
        await producer.shutdown()

        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(connection: cluster.connection, groupID: "payloads"),
                                         logger: KafkaProducerTests.quiet)
        try consumer.assign([(topic: "payloads", partition: 0, offset: 0)])
        var values: [[UInt8]] = []
        for await message in consumer.messages {
            values.append(message.value)
            if values.count == expected.count { break }
        }
        #expect(values.map(\.count) == expected.map(\.count))
        #expect(values == expected)
        consumer.close()
    }
}
