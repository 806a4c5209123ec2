import Foundation
import Testing
import TestSupport
@testable import MSKKafka
import MSKKafkaTesting
import MSKLocal

/// ``KafkaProducer/enqueue(contentsOf:)`` and ``KafkaProducer/send(contentsOf:)``: a batch is
/// accepted whole or not at all, and once accepted each message has its own outcome — a
/// failure inside a batch fails that message alone, whole and dead-lettered, and the others
/// are stored.
@Suite(.timeLimit(.minutes(2)))
struct BatchTests {
    /// The batch's index of a message librdkafka refuses (partition 99 of a 2-partition topic).
    static let unknownPartition = 3
    /// The batch's index of a message over librdkafka's `message.max.bytes` (set to 10,000 here).
    static let tooLarge = 7

    /// Ten messages made by ``EventPathTests/message(_:topic:)`` (key, headers, an explicit
    /// partition and timestamp on some), two of which librdkafka refuses.
    static func batch(topic: String) -> [KafkaProducerMessage] {
        (0..<10).map { index in
            var message = EventPathTests.message(index, topic: topic)
            if index == unknownPartition { message.partition = 99 }
            if index == tooLarge { message.value = [UInt8](repeating: 7, count: 20_000) }
            return message
        }
    }

    /// ``EventPathTests/withDeadLetteringProducer(topic:extra:_:)`` with librdkafka's
    /// `message.max.bytes` at 10,000, so that ``tooLarge`` is refused.
    static func withDeadLetteringProducer(topic: String, _ body: (MockKafkaCluster, KafkaProducer, String) async throws -> Void) async throws {
        try await EventPathTests.withDeadLetteringProducer(topic: topic, extra: ["message.max.bytes": "10000"], body)
    }

    /// The two refused messages are dead-lettered whole, and only they.
    static func expectDeadLettered(_ path: String, from batch: [KafkaProducerMessage]) throws {
        let letters = try DeadLetterFile.read(path: path)
        #expect(letters.count == 2)
        for index in [unknownPartition, tooLarge] {
            let letter = letters.first { $0.message.key == batch[index].key }?.message
            #expect(letter?.value == batch[index].value, "dead letter of message \(index)")
            #expect(letter?.headers.map(\.value) == batch[index].headers.map(\.value), "headers of dead letter \(index)")
        }
    }

    static func expectStoredWhole(_ cluster: MockKafkaCluster, topic: String) async throws {
        for indices in [0..<unknownPartition, unknownPartition + 1..<tooLarge, tooLarge + 1..<10] {
            try await EventPathTests.expectStoredWhole(cluster, topic: topic, indices: indices)
        }
    }

    @Test func sendContentsOfReportsEachMessagesOwnOutcomeInTheBatchsOrder() async throws {
        try await Self.withDeadLetteringProducer(topic: "batch-send") { cluster, producer, deadLetters in
            let batch = Self.batch(topic: "batch-send")
            let outcomes = try await producer.send(contentsOf: batch)
            #expect(outcomes.count == batch.count)
            for (index, outcome) in outcomes.enumerated() {
                switch (index, outcome) {
                case (Self.unknownPartition, .failure(.delivery(_, let name, _))):
                    #expect(name == "_UNKNOWN_PARTITION")
                case (Self.tooLarge, .failure(.delivery(_, let name, _))):
                    #expect(name == "MSG_SIZE_TOO_LARGE")
                case (_, .success(let report)) where index != Self.unknownPartition && index != Self.tooLarge:
                    #expect(report.topic == "batch-send")
                    // (Not the timestamp: the mock answers every Produce with a log-append time of
                    // 1234, which librdkafka reports. The stored one is checked below.)
                    if index.isMultiple(of: 2) { #expect(report.partition == 1, "explicit partition of message \(index)") }
                default:
                    Issue.record("message \(index): \(outcome)")
                }
            }
            #expect(producer.bufferDepth == (0, 0))
            await producer.shutdown()
            try Self.expectDeadLettered(deadLetters, from: batch)
            try await Self.expectStoredWhole(cluster, topic: "batch-send")
        }
    }

    @Test func enqueueContentsOfPutsEachMessagesOwnOutcomeOnTheEvents() async throws {
        try await Self.withDeadLetteringProducer(topic: "batch-events") { cluster, producer, deadLetters in
            let batch = Self.batch(topic: "batch-events")
            try await producer.enqueue(contentsOf: batch)
            var delivered: [KafkaDeliveryReport] = [], failed: [(KafkaProducerMessage, KafkaError)] = [], broken: [KafkaOrderBreak] = []
            for await event in producer.events {
                switch event {
                case .delivered(let reports): delivered += reports
                case .failed(let message, let error): failed.append((message, error))
                // Per-key order (the default) says that a failed message's key lost its order.
                case .orderBroken(let orderBreak): broken.append(orderBreak)
                }
                if delivered.count + failed.count >= batch.count, broken.count >= 2 { break }
            }
            #expect(delivered.count == 8)
            #expect(failed.count == 2)
            #expect(Set(broken.map(\.key)) == Set([Self.unknownPartition, Self.tooLarge].compactMap { batch[$0].key }))
            for (message, error) in failed {
                let index = try #require(batch.firstIndex { $0.key == message.key })
                #expect([Self.unknownPartition, Self.tooLarge].contains(index))
                #expect(message.value == batch[index].value)
                guard case .delivery = error else { Issue.record("message \(index): \(error)"); continue }
            }
            #expect(await producer.flush(timeout: .seconds(10)))
            #expect(producer.bufferDepth == (0, 0))
            await producer.shutdown()
            try Self.expectDeadLettered(deadLetters, from: batch)
            try await Self.expectStoredWhole(cluster, topic: "batch-events")
        }
    }

    @Test func aBatchSentThroughAnOutageIsRetriedAndStoredWhole() async throws {
        let messages = (0..<20).map { EventPathTests.message($0, topic: "batch-outage") }
        var sent: Task<[Result<KafkaDeliveryReport, KafkaError>], any Error>?
        let (cluster, producer) = try await EventPathTests.sendThroughAnOutage(topic: "batch-outage") { producer in
            try await producer.enqueue(contentsOf: messages[0..<10])
            sent = Task { try await producer.send(contentsOf: messages[10..<20]) }
        }
        let outcomes = try await #require(sent).value
        let reports = outcomes.compactMap { try? $0.get() }
        #expect(reports.count == 10, "\(outcomes.filter { (try? $0.get()) == nil }.prefix(3))")
        #expect(await producer.flush(timeout: .seconds(60)))
        let (delivered, failed) = await EventPathTests.outcomes(of: producer, count: 10)
        #expect(failed.isEmpty, "\(failed.map { "\($0.1)" }.prefix(3))")
        #expect((delivered + reports).contains { $0.attempts > 1 })
        #expect(producer.bufferDepth == (0, 0))
        await producer.shutdown()
        try await EventPathTests.expectStoredWhole(cluster, topic: "batch-outage", indices: 0..<20)
    }

    @Test func plainMessagesGoToLibrdkafkaInRunsAndARefusedOneFailsAlone() async throws {
        try await Self.withDeadLetteringProducer(topic: "batch-runs") { cluster, producer, deadLetters in
            cluster.createTopic("batch-runs-2", partitions: 2)
            // Runs of up to 128 to one topic; a change of topic and a message with a header end
            // a run; message 150 is over `message.max.bytes`; an empty value and a null key too.
            let batch = (0..<300).map { index -> KafkaProducerMessage in
                let topic = index >= 200 && index < 250 ? "batch-runs-2" : "batch-runs"
                let value = index == 150 ? [UInt8](repeating: 1, count: 20_000) : index == 10 ? [] : Array("value-\(index)".utf8)
                return KafkaProducerMessage(topic: topic, key: index == 20 ? nil : Array("key-\(index)".utf8), value: value,
                                            headers: index == 60 ? [("h", Array("v".utf8))] : [])
            }
            let outcomes = try await producer.send(contentsOf: batch)
            for (index, outcome) in outcomes.enumerated() {
                switch outcome {
                case .success(let report):
                    #expect(index != 150 && report.topic == batch[index].topic, "message \(index): \(report)")
                case .failure(let error):
                    guard index == 150, case .delivery(_, "MSG_SIZE_TOO_LARGE", _) = error else { Issue.record("message \(index): \(error)"); continue }
                }
            }
            #expect(producer.bufferDepth == (0, 0))
            await producer.shutdown()
            let letters = try DeadLetterFile.read(path: deadLetters)
            #expect(letters.map(\.message.key) == [batch[150].key])
            #expect(letters.first?.message.value == batch[150].value)
            var stored: [String] = []
            for topic in ["batch-runs", "batch-runs-2"] {
                stored += try await Kcat.consume(bootstrap: cluster.bootstrapServers, topic: topic, format: "%t|%k|%s|%h\\n")
            }
            let expected = batch.indices.filter { $0 != 150 }.map { index in
                let message = batch[index]
                return "\(message.topic)|\(message.key.map { String(decoding: $0, as: UTF8.self) } ?? "")|\(String(decoding: message.value, as: UTF8.self))|\(index == 60 ? "h=v" : "")"
            }
            // The warm-up message aside.
            #expect(Set(stored.filter { !$0.contains("warm-up") }) == Set(expected))
            #expect(stored.count == expected.count + 1)
        }
    }

    /// A producer whose only broker is down, holding `held` messages it cannot deliver, with a
    /// buffer of `limit` messages.
    static func withFillingProducer(backpressure: KafkaProducerConfiguration.Backpressure, limit: Int, held: Int,
                                    _ body: (LocalKafkaCluster, KafkaProducer) async throws -> Void) async throws {
        let cluster = try await LocalKafkaCluster.start(brokers: 1)
        cluster.createTopic("batch-room", partitions: 2)
        let delivery = KafkaProducerConfiguration.DeliveryPolicy(maxBufferedMessages: limit, backpressure: backpressure,
                                                                 retryBackoff: .milliseconds(100), maxRetryBackoff: .milliseconds(500))
        let producer = try KafkaProducer(configuration: KafkaProducerTests.configuration(cluster, delivery: delivery, messageTimeout: .seconds(30)),
                                         logger: KafkaProducerTests.quiet)
        _ = try await producer.send(KafkaProducerMessage(topic: "batch-room", value: "warm-up"))
        try cluster.setBroker(1, up: false)
        for index in 0..<held { try await producer.enqueue(KafkaProducerMessage(topic: "batch-room", value: "held-\(index)")) }
        try await body(cluster, producer)
    }

    static func messages(_ count: Int) -> [KafkaProducerMessage] {
        (0..<count).map { KafkaProducerMessage(topic: "batch-room", value: "batch-\($0)") }
    }

    @Test func aBatchLargerThanTheBufferIsRefusedWithNothingAccepted() async throws {
        try await Self.withFillingProducer(backpressure: .suspend, limit: 10, held: 0) { cluster, producer in
            await #expect {
                try await producer.enqueue(contentsOf: Self.messages(11))
            } throws: { error in
                guard case KafkaError.batchTooLargeForBuffer(let messages, _, let maxMessages, _) = error else { return false }
                return messages == 11 && maxMessages == 10
            }
            #expect(producer.bufferDepth == (0, 0))
            // An empty batch is nothing to do.
            #expect(try await producer.send(contentsOf: []).isEmpty)
            try cluster.setBroker(1, up: true)
            await producer.shutdown()
        }
    }

    @Test func underFailFastABatchThatDoesNotFitFailsWhole() async throws {
        try await Self.withFillingProducer(backpressure: .failFast, limit: 10, held: 6) { cluster, producer in
            await #expect {
                try await producer.enqueue(contentsOf: Self.messages(5))
            } throws: { error in
                guard case KafkaError.bufferFull(let messages, _) = error else { return false }
                return messages == 6
            }
            #expect(producer.bufferDepth.messages == 6)
            // Four fit.
            try await producer.enqueue(contentsOf: Self.messages(4))
            #expect(producer.bufferDepth.messages == 10)
            try cluster.setBroker(1, up: true)
            #expect(await producer.flush(timeout: .seconds(60)))
            #expect(producer.counters.failed.value == 0)
            await producer.shutdown()
        }
    }

    @Test func underSuspendABatchWaitsForRoomForAllOfItAndCancellingLeavesNothingAccepted() async throws {
        try await Self.withFillingProducer(backpressure: .suspend, limit: 10, held: 6) { cluster, producer in
            let cancelled = Task { try await producer.enqueue(contentsOf: Self.messages(5)) }
            while producer.callersWaitingForRoom == 0 { try await Task.sleep(for: .milliseconds(10)) }
            cancelled.cancel()
            await #expect(throws: CancellationError.self) { try await cancelled.value }
            #expect(producer.bufferDepth.messages == 6)

            let waiting = Task { try await producer.send(contentsOf: Self.messages(5)) }
            while producer.callersWaitingForRoom == 0 { try await Task.sleep(for: .milliseconds(10)) }
            // Not one of the five is let in while only four fit.
            #expect(producer.bufferDepth.messages == 6)
            try cluster.setBroker(1, up: true)
            let outcomes = try await waiting.value
            #expect(outcomes.count == 5)
            #expect(outcomes.allSatisfy { (try? $0.get()) != nil })
            #expect(await producer.flush(timeout: .seconds(60)))
            await producer.shutdown()
        }
    }

    @Test func aBatchAfterShutdownIsRefused() async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("batch-shut", partitions: 1)
        let producer = try KafkaProducer(configuration: KafkaProducerTests.configuration(cluster), logger: KafkaProducerTests.quiet)
        await producer.shutdown()
        await #expect(throws: KafkaError.self) {
            try await producer.send(contentsOf: [KafkaProducerMessage(topic: "batch-shut", value: "late")])
        }
        #expect(producer.bufferDepth == (0, 0))
    }
}
