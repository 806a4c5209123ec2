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
        let cluster = try MockKafkaCluster(brokers: 1)
        cluster.createTopic("completion-outage", partitions: 2)
        let producer = try KafkaProducer(configuration: KafkaProducerTests.configuration(cluster, messageTimeout: .milliseconds(800)), logger: KafkaProducerTests.quiet)
        _ = try await producer.send(KafkaProducerMessage(topic: "completion-outage", value: "warm-up"))
        let retriesBefore = producer.counters.retries.value
        cluster.setBroker(1, up: false)
        let outcomes = Outcomes()
        for index in 0..<20 { try await producer.enqueue(EventPathTests.message(index, topic: "completion-outage"), completion: outcomes.handler(index)) }
        // `send` too, for one message with every field.
        async let sent = producer.send(EventPathTests.message(20, topic: "completion-outage"))
        let deadline = ContinuousClock.now + .seconds(20)
        while producer.counters.retries.value == retriesBefore, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        #expect(producer.counters.retries.value > retriesBefore)
        cluster.setBroker(1, up: true)
        let sentReport = try await sent
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
        let cluster = try MockKafkaCluster()
        cluster.createTopic("completion-denied", partitions: 2)
        try await EventPathTests.withDeadLetteringProducer(cluster) { producer, deadLetters in
            _ = try await producer.send(KafkaProducerMessage(topic: "completion-denied", value: "warm-up"))
            cluster.pushRequestErrors(apiKey: 0, [RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED])
            let original = EventPathTests.message(0, topic: "completion-denied")
            do {
                _ = try await producer.send(original)
                Issue.record("expected the send to fail")
            } catch let error as KafkaError {
                guard case .delivery(_, let name, _) = error else { Issue.record("\(error)"); return }
                #expect(name == "TOPIC_AUTHORIZATION_FAILED")
            }
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
