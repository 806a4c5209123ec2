import CRdKafka
import Foundation
import Synchronization
import Testing
import TestSupport
import MSKKafkaTesting
@testable import MSKKafka

/// ``KafkaProducer/send(_:)`` and ``KafkaProducer/enqueue(_:completion:)`` send a first attempt
/// with the handler and no copy of the message: a retry or a failure rebuilds it from
/// librdkafka's copy. These tests check that nothing of the message is lost on the way.
@Suite(.timeLimit(.minutes(2)))
struct CompletionPathTests {
    final class Outcomes: Sendable {
        let results = Mutex<[Int: Result<KafkaDeliveryReport, KafkaError>]>([:])

        func handler(_ index: Int) -> @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void {
            { result in self.results.withLock { $0[index] = result } }
        }
    }

    @Test func messagesRetriedThroughAnOutageKeepKeyValueHeadersPartitionAndTimestamp() async throws {
        let outcomes = Outcomes()
        var sent: Task<KafkaDeliveryReport, any Error>?
        let (cluster, producer) = try await EventPathTests.sendThroughAnOutage(topic: "completion-outage") { producer in
            for index in 0..<20 { try await producer.enqueue(EventPathTests.message(index, topic: "completion-outage"), completion: outcomes.handler(index)) }
            // `send` too, for one message with every field.
            sent = Task { try await producer.send(EventPathTests.message(20, topic: "completion-outage")) }
        }
        let sentReport = try await #require(sent).value
        #expect(await producer.flush(timeout: .seconds(60)))
        let results = outcomes.results.withLock { $0 }
        #expect(results.count == 20)
        let reports = results.values.compactMap { try? $0.get() }
        #expect(reports.count == 20, "\(results.values.filter { (try? $0.get()) == nil }.prefix(3))")
        #expect((reports + [sentReport]).contains { $0.attempts > 1 })
        #expect((reports + [sentReport]).allSatisfy { $0.topic == "completion-outage" })
        #expect(producer.bufferDepth == (0, 0))
        await producer.shutdown()

        try await EventPathTests.expectStoredWhole(cluster, topic: "completion-outage", indices: 0..<21)
    }

    /// The attempts handlers travel in are reused: each handler is still called once, for its
    /// own message, and `send` gets its own message's report.
    @Test func reusedAttemptsCallEachHandlerOnceForItsOwnMessage() async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("completion-reuse", partitions: 3)
        let producer = try KafkaProducer(configuration: KafkaProducerTests.configuration(cluster), logger: KafkaProducerTests.quiet)
        let calls = Mutex<[Int: [KafkaDeliveryReport]]>([:])
        for round in 0..<5 {
            for index in round * 200..<(round + 1) * 200 {
                try await producer.enqueue(KafkaProducerMessage(topic: "completion-reuse", partition: Int32(index % 3), value: Array("\(index)".utf8))) { result in
                    guard case .success(let report) = result else { Issue.record("message \(index): \(result)"); return }
                    calls.withLock { $0[index, default: []].append(report) }
                }
            }
            let sent = try await producer.send(KafkaProducerMessage(topic: "completion-reuse", partition: 2, value: Array("send-\(round)".utf8)))
            #expect(sent.partition == 2)
            #expect(await producer.flush(timeout: .seconds(10)))
        }
        #expect(producer.completionAttempts.available > 0, "no attempt was given back for reuse")
        let called = calls.withLock { $0 }
        #expect(called.count == 1_000)
        #expect(called.allSatisfy { $0.value.count == 1 && $0.value[0].partition == Int32($0.key % 3) })
        await producer.shutdown()
        // Each message's offset is where its own value was stored.
        let stored = try await Kcat.consume(bootstrap: cluster.bootstrapServers, topic: "completion-reuse", format: "%p|%o|%s\\n")
        for (index, reports) in called {
            let report = try #require(reports.first)
            #expect(stored.contains("\(report.partition)|\(report.offset)|\(index)"), "message \(index) at \(report.partition)/\(report.offset)")
        }
    }

    @Test func aFailedSendCarriesTheWholeMessageToTheDeadLetters() async throws {
        try await EventPathTests.withRefusingDeadLetteringProducer(topic: "completion-denied") { producer, deadLetters in
            let original = EventPathTests.message(0, topic: "completion-denied")
            do {
                _ = try await producer.send(original)
                Issue.record("expected the send to fail")
            } catch let error as KafkaError {
                guard case .authorization(let failure) = error else { Issue.record("\(error)"); return }
                #expect(failure.name == "TOPIC_AUTHORIZATION_FAILED" && failure.action == "kafka-cluster:WriteData")
            }
            // The room comes back just after the handler has run (so that a flush that sees an
            // empty buffer finds every handler called): wait for it.
            #expect(await producer.flush(timeout: .seconds(10)))
            #expect(producer.bufferDepth == (0, 0))
            await producer.shutdown()

            let letters = try DeadLetterFile.read(path: deadLetters)
            #expect(letters.count == 1)
            let letter = try #require(letters.first).message
            #expect(letter.topic == original.topic)
            #expect(letter.partition == original.partition)
            #expect(letter.key == original.key)
            #expect(letter.value == original.value)
            #expect(letter.headers.map(\.name) == original.headers.map(\.name))
            #expect(letter.headers.map(\.value) == original.headers.map(\.value))
        }
    }
}
