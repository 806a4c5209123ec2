import Foundation
import Synchronization
import Testing
@testable import MSKKafka
import MSKKafkaTesting

/// Byte values of ``KafkaProducerMessage/heldValueThreshold`` bytes or more are not copied:
/// librdkafka points to the array, and the attempt keeps it alive until the delivery report.
/// These tests drop and overwrite the callers' arrays while librdkafka still holds the
/// messages, and check that every message reaches the broker as it was given.
@Suite(.timeLimit(.minutes(1)))
struct HeldValueTests {
    @Test func onlyByteValuesFromTheThresholdOnAreHeld() {
        let threshold = KafkaProducerMessage.heldValueThreshold
        #expect(KafkaProducerMessage(topic: "t", value: [UInt8](repeating: 1, count: threshold)).heldValueCandidate?.count == threshold)
        #expect(KafkaProducerMessage(topic: "t", value: [UInt8](repeating: 1, count: threshold - 1)).heldValueCandidate == nil)
        #expect(KafkaProducerMessage(topic: "t", value: Data(count: threshold * 2)).heldValueCandidate == nil, "Data is copied by librdkafka")
        #expect(KafkaProducerMessage(topic: "t", value: String(repeating: "x", count: threshold * 2)).heldValueCandidate == nil)
    }

    /// Every path that produces (events, completion handler, `send`, a boxed first attempt with
    /// a timestamp), with a long linger so that librdkafka reads the values well after the
    /// callers have changed and dropped their arrays and the heap has been churned.
    @Test func heldValuesReachTheBrokerIntactAfterTheCallersDropAndChangeThem() async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("held", partitions: 2)
        let producer = try KafkaProducer(configuration: KafkaProducerTests.configuration(cluster, extra: ["linger.ms": "300"]), logger: KafkaProducerTests.quiet)
        let count = 64
        let size = KafkaProducerMessage.heldValueThreshold * 4
        let completed = CompletionPathTests.Outcomes()
        var sends: [Task<KafkaDeliveryReport, any Error>] = []
        for index in 0..<count {
            var value = Self.value(index, size: size)
            switch index % 4 {
            case 0: try await producer.enqueue(KafkaProducerMessage(topic: "held", value: value))
            case 1: try await producer.enqueue(KafkaProducerMessage(topic: "held", value: value), completion: completed.handler(index))
            case 2:
                let message = KafkaProducerMessage(topic: "held", value: value)
                sends.append(Task { try await producer.send(message) })
            default: try await producer.enqueue(KafkaProducerMessage(topic: "held", value: value, timestamp: Date()))
            }
            // The caller's array changes (its own copy, then) and goes away.
            value[0] = 0xEE
            value[size - 1] = 0xEE
        }
        // Reuse the heap the callers' arrays would have been freed to.
        var churn: [[UInt8]] = []
        for _ in 0..<4_000 { churn.append([UInt8](repeating: 0xEE, count: size)) }
        churn.removeAll()
        #expect(await producer.flush(timeout: .seconds(20)))
        for send in sends { _ = try await send.value }
        #expect(Self.successes(completed) == count / 4)
        await producer.shutdown()

        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(connection: cluster.connection, groupID: "held"),
                                         logger: KafkaProducerTests.quiet)
        try consumer.assign([(topic: "held", partition: 0, offset: 0), (topic: "held", partition: 1, offset: 0)])
        var received: [[UInt8]] = []
        for await message in consumer.messages {
            received.append(message.value)
            if received.count == count { break }
        }
        consumer.close()
        let intact = Set(received.filter { $0.first.map { Self.value(Int($0), size: size) } == $0 })
        let missing = (0..<count).filter { !intact.contains(Self.value($0, size: size)) }
        #expect(missing.isEmpty, "values that did not arrive as given: \(missing)")
    }

    /// Held values whose first attempts time out while the broker is down are produced again
    /// (from the message librdkafka reports, which points to the held value) and arrive whole.
    @Test func heldValuesRetriedThroughAnOutageArriveWhole() async throws {
        let size = KafkaProducerMessage.heldValueThreshold * 2
        let completed = CompletionPathTests.Outcomes()
        let (cluster, producer) = try await EventPathTests.sendThroughAnOutage(topic: "held-outage") { producer in
            for index in 0..<10 {
                let message = KafkaProducerMessage(topic: "held-outage", value: Self.value(index, size: size))
                if index.isMultiple(of: 2) {
                    try await producer.enqueue(message)
                } else {
                    try await producer.enqueue(message, completion: completed.handler(index))
                }
            }
        }
        #expect(await producer.flush(timeout: .seconds(60)))
        #expect(Self.successes(completed) == 5)
        #expect(producer.counters.failed.value == 0)
        await producer.shutdown()

        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(connection: cluster.connection, groupID: "held-outage"),
                                         logger: KafkaProducerTests.quiet)
        try consumer.assign([(topic: "held-outage", partition: 0, offset: 0), (topic: "held-outage", partition: 1, offset: 0)])
        var received: Set<[UInt8]> = []
        for await message in consumer.messages where message.value.count == size {
            received.insert(message.value)
            if received.count >= 10 { break }
        }
        consumer.close()
        let missing = (0..<10).filter { !received.contains(Self.value($0, size: size)) }
        #expect(missing.isEmpty, "values that did not arrive as given: \(missing)")
    }

    /// A held value's first attempt that fails in its delivery report comes back, and is
    /// dead-lettered, with the value it was given.
    @Test func aFailedHeldValueComesBackWhole() async throws {
        try await EventPathTests.withRefusingDeadLetteringProducer(topic: "held-denied") { producer, deadLetters in
            let value = Self.value(7, size: KafkaProducerMessage.heldValueThreshold * 2)
            try await producer.enqueue(KafkaProducerMessage(topic: "held-denied", value: value))
            let (delivered, failed) = await EventPathTests.outcomes(of: producer, count: 1)
            #expect(delivered.isEmpty)
            #expect(failed.first?.0.value == value)
            #expect(await producer.flush(timeout: .seconds(10)))
            await producer.shutdown()
            #expect(try DeadLetterFile.read(path: deadLetters).first?.message.value == value)
        }
    }

    /// Message `index`'s value: its index in every byte but the middle ones, so that damage
    /// anywhere shows and the index survives in the first byte.
    static func value(_ index: Int, size: Int) -> [UInt8] {
        (0..<size).map { $0 > size / 3 && $0 < size / 2 ? UInt8(truncatingIfNeeded: $0) : UInt8(index) }
    }

    /// How many completion handlers got a delivery report.
    static func successes(_ outcomes: CompletionPathTests.Outcomes) -> Int {
        outcomes.results.withLock { $0.values.filter { (try? $0.get()) != nil }.count }
    }
}
