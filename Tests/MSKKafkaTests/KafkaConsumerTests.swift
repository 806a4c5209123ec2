import Foundation
import Testing
@testable import MSKKafka
import MSKKafkaTesting

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

        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(connection: cluster.connection, groupID: "readers"),
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
            let values = received.filter { $0.keyString == "key-\(key)" }.map { Int($0.valueString) ?? -1 }
            #expect(values == values.sorted(), "key-\(key)")
            #expect(Set(received.filter { $0.keyString == "key-\(key)" }.map(\.partition)).count == 1)
        }
        #expect(received.allSatisfy { $0.headers.first?.name == "n" && $0.headers.first.map { String(decoding: $0.value, as: UTF8.self) } == $0.valueString })
        try consumer.commit(try #require(received.last))
        consumer.close()
    }

    /// An application that stops reading while the reader thread has messages waiting for it
    /// (read ahead, never taken) closes and drops its consumer, twice over, without a crash:
    /// libdispatch traps when a semaphore is freed with fewer places than it started with.
    @Test func aConsumerDroppedWithMessagesReadAheadDoesNotCrash() async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("left-unread")
        let producer = try KafkaProducer(configuration: KafkaProducerTests.configuration(cluster), logger: KafkaProducerTests.quiet)
        for index in 0..<200 { try await producer.enqueue(KafkaProducerMessage(topic: "left-unread", partition: 0, value: "m\(index)")) }
        #expect(await producer.flush(timeout: .seconds(10)))
        await producer.shutdown()

        for round in 0..<2 {
            let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(connection: cluster.connection, groupID: "left-unread-\(round)"),
                                             logger: KafkaProducerTests.quiet)
            try consumer.assign([(topic: "left-unread", partition: 0, offset: 0)])
            var iterator = consumer.messages.makeAsyncIterator()
            #expect(await iterator.next()?.valueString == "m0")
            // Until the reader has read (most of) the rest ahead; then leave it unread.
            let deadline = ContinuousClock.now + .seconds(10)
            while consumer.messagesReadAhead < 100, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            #expect(consumer.messagesReadAhead >= 100, "the reader did not read ahead: the test would prove nothing")
            if round == 0 { consumer.close() }
        }
    }

    @Test func assignReadsFromAGivenOffset() async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("assigned")
        let producer = try KafkaProducer(configuration: KafkaProducerTests.configuration(cluster), logger: KafkaProducerTests.quiet)
        for index in 0..<10 { _ = try await producer.send(KafkaProducerMessage(topic: "assigned", partition: 0, value: "m\(index)")) }
        await producer.shutdown()
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(connection: cluster.connection, groupID: "g2"),
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

    /// A reader that falls behind — here, one that does not read at all for a while, then reads
    /// everything — gets every message: the consumer stops taking messages from librdkafka while
    /// ``KafkaConsumer/readAhead`` of them wait, rather than dropping the rest. (It used to drop
    /// them: the soak consumer lost thousands after an outage released a burst.)
    @Test func aReaderThatFallsBehindLosesNothing() async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("backlog", partitions: 2)
        let count = KafkaConsumer.readAhead * 2 + 5_000
        let producer = try KafkaProducer(configuration: KafkaProducerTests.configuration(cluster), logger: KafkaProducerTests.quiet)
        for index in 0..<count { try await producer.enqueue(KafkaProducerMessage(topic: "backlog", value: "\(index)")) }
        #expect(await producer.flush(timeout: .seconds(60)))
        await producer.shutdown()

        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(connection: cluster.connection, groupID: "slow"),
                                         logger: KafkaProducerTests.quiet)
        try consumer.assign([(topic: "backlog", partition: 0, offset: KafkaConsumer.beginning), (topic: "backlog", partition: 1, offset: KafkaConsumer.beginning)])
        // Time enough for librdkafka to fetch everything, and for the consumer to take all of it.
        try await Task.sleep(for: .seconds(3))
        let reading = Task {
            var values: [String] = []
            for await message in consumer.messages {
                values.append(message.valueString)
                if values.count == count { break }
            }
            return values
        }
        // Should messages stop coming, closing the consumer ends the stream, and the checks
        // below say how many are missing.
        let watchdog = Task {
            try await Task.sleep(for: .seconds(60))
            consumer.close()
        }
        let values = await reading.value
        watchdog.cancel()
        #expect(values.count == count)
        #expect(Set(values).count == count, "\(count - Set(values).count) messages missing")
        consumer.close()
    }
}
