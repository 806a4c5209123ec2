import CRdKafka
import Foundation
import Synchronization
import Testing
import TestSupport
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
