import Foundation
import Testing
import TestSupport
@testable import MSKKafka
import MSKKafkaTesting
import MSKLocal

/// The throughput path — ``KafkaProducer/enqueue(_:)`` with outcomes on ``KafkaProducer/events``
/// — sends a first attempt with no copy of the message on the Swift side: a retry or a failure
/// rebuilds it from librdkafka's copy. These tests check that nothing of the message is lost on
/// the way, and that the buffer's accounting comes back to zero.
@Suite(.timeLimit(.minutes(2)))
struct EventPathTests {
    static let timestamp = Date(timeIntervalSince1970: 1_700_000_000.123)

    static func message(_ index: Int, topic: String) -> KafkaProducerMessage {
        KafkaProducerMessage(
            topic: topic, partition: index.isMultiple(of: 2) ? 1 : nil, key: Array("key-\(index)".utf8), value: Array("value-\(index)".utf8),
            headers: [("h1", Array("a\(index)".utf8)), ("h2", [])], timestamp: index.isMultiple(of: 3) ? timestamp : nil
        )
    }

    /// Collects events until `count` messages are settled.
    static func outcomes(of producer: KafkaProducer, count: Int) async -> (delivered: [KafkaDeliveryReport], failed: [(KafkaProducerMessage, KafkaError)]) {
        var delivered: [KafkaDeliveryReport] = [], failed: [(KafkaProducerMessage, KafkaError)] = []
        for await event in producer.events {
            switch event {
            case .delivered(let reports): delivered += reports
            case .failed(let message, let error): failed.append((message, error))
            case .orderBroken(let broken): Issue.record("no order is kept here: \(broken)")
            }
            if delivered.count + failed.count >= count { break }
        }
        return (delivered, failed)
    }

    @Test func messagesRetriedThroughAnOutageKeepKeyValueHeadersPartitionAndTimestamp() async throws {
        let (cluster, producer) = try await Self.sendThroughAnOutage(topic: "event-outage") { producer in
            for index in 0..<20 { try await producer.enqueue(Self.message(index, topic: "event-outage")) }
        }
        #expect(await producer.flush(timeout: .seconds(60)))
        let (delivered, failed) = await Self.outcomes(of: producer, count: 20)
        #expect(failed.isEmpty, "\(failed.map { "\($0.1)" }.prefix(3))")
        #expect(delivered.count == 20)
        #expect(delivered.contains { $0.attempts > 1 })
        #expect(delivered.allSatisfy { $0.topic == "event-outage" })
        #expect(producer.bufferDepth == (0, 0))
        await producer.shutdown()

        try await Self.expectStoredWhole(cluster, topic: "event-outage", indices: 0..<20)
    }

    /// A one-broker cluster with `topic` (2 partitions) and a producer with an 800 ms message
    /// timeout. `send` runs while the broker is down; the broker comes back once the retry layer
    /// has taken over (past the message timeout, which librdkafka checks once a second).
    static func sendThroughAnOutage(topic: String, _ send: (KafkaProducer) async throws -> Void) async throws -> (LocalKafkaCluster, KafkaProducer) {
        let cluster = try await LocalKafkaCluster.start(brokers: 1)
        cluster.createTopic(topic, partitions: 2)
        // The retry layer's path: under per-key order (the default) librdkafka would keep the
        // messages itself through the outage.
        let retryLayer = KafkaProducerConfiguration.DeliveryPolicy(retryBackoff: .milliseconds(100), maxRetryBackoff: .milliseconds(500), ordering: .none)
        let producer = try KafkaProducer(configuration: KafkaProducerTests.configuration(cluster, delivery: retryLayer, messageTimeout: .milliseconds(800)),
                                         logger: KafkaProducerTests.quiet)
        _ = try await producer.send(KafkaProducerMessage(topic: topic, value: "warm-up"))
        // The warm-up itself may have been retried (the mock's leader not known yet): count from here.
        let retriesBefore = producer.counters.retries.value
        try cluster.setBroker(1, up: false)
        try await send(producer)
        let deadline = ContinuousClock.now + .seconds(20)
        while producer.counters.retries.value == retriesBefore, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        #expect(producer.counters.retries.value > retriesBefore)
        try cluster.setBroker(1, up: true)
        return (cluster, producer)
    }

    /// Reads `topic` back with kcat and checks that the messages `indices` (made by
    /// ``message(_:topic:)``) were stored with their partition, headers and timestamp.
    static func expectStoredWhole(_ cluster: any KafkaTestCluster, topic: String, indices: Range<Int>) async throws {
        let lines = try await Kcat.consume(bootstrap: cluster.bootstrapServers, topic: topic, format: "%p|%k|%s|%h|%T\\n")
        for index in indices {
            let line = lines.first { $0.contains("|key-\(index)|value-\(index)|") }
            guard let fields = line?.split(separator: "|", omittingEmptySubsequences: false).map(String.init), fields.count == 5 else {
                Issue.record("message \(index) not read back: \(lines.prefix(3))")
                continue
            }
            if index.isMultiple(of: 2) { #expect(fields[0] == "1", "explicit partition of message \(index)") }
            #expect(fields[3] == "h1=a\(index),h2=", "headers of message \(index)")
            if index.isMultiple(of: 3) { #expect(fields[4] == "1700000000123", "explicit timestamp of message \(index)") }
        }
    }

    /// A producer whose final failures go to a dead-letter file in a fresh directory (removed
    /// after `body`), warmed up on `topic` and then refused: the next produce request fails
    /// with TOPIC_AUTHORIZATION_FAILED. `body` gets the producer and the file's path.
    static func withRefusingDeadLetteringProducer(topic: String, _ body: (KafkaProducer, String) async throws -> Void) async throws {
        try await withDeadLetteringProducer(topic: topic) { cluster, producer, deadLetters in
            cluster.pushRequestErrors(apiKey: .produce, [.topicAuthorizationFailed])
            try await body(producer, deadLetters)
        }
    }

    /// A 2-partition `topic` on the mock and a producer (with `extra` librdkafka properties)
    /// whose final failures go to a dead-letter file in a fresh directory (removed after
    /// `body`), warmed up so that librdkafka knows the topic's partitions. `body` gets the
    /// cluster, the producer and the file's path.
    static func withDeadLetteringProducer(topic: String, extra: [String: String] = [:],
                                          _ body: (MockKafkaCluster, KafkaProducer, String) async throws -> Void) async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic(topic, partitions: 2)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dead-letters-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let deadLetters = directory.appendingPathComponent("dead.jsonl").path
        let delivery = KafkaProducerConfiguration.DeliveryPolicy(retryBackoff: .milliseconds(100), maxRetryBackoff: .milliseconds(500), deadLetterPath: deadLetters)
        let producer = try KafkaProducer(configuration: KafkaProducerTests.configuration(cluster, delivery: delivery, extra: extra), logger: KafkaProducerTests.quiet)
        _ = try await producer.send(KafkaProducerMessage(topic: topic, value: "warm-up"))
        try await body(cluster, producer, deadLetters)
    }

    @Test func aFailureInADeliveryReportCarriesTheWholeMessageAndIsDeadLettered() async throws {
        try await Self.withRefusingDeadLetteringProducer(topic: "event-denied") { producer, deadLetters in
            let original = Self.message(0, topic: "event-denied")
            try await producer.enqueue(original)
            let (delivered, failed) = await Self.outcomes(of: producer, count: 1)
            #expect(delivered.isEmpty)
            guard let (message, error) = failed.first else { Issue.record("no failure event"); return }
            guard case .authorization(let failure) = error else { Issue.record("\(error)"); return }
            #expect(failure.name == "TOPIC_AUTHORIZATION_FAILED" && failure.action == "kafka-cluster:WriteData")
            #expect(message.topic == original.topic)
            #expect(message.partition == original.partition)
            #expect(message.key == original.key)
            #expect(message.value == original.value)
            #expect(message.headers.map(\.name) == original.headers.map(\.name))
            #expect(message.headers.map(\.value) == original.headers.map(\.value))
            #expect(message.timestamp.map { Int64($0.timeIntervalSince1970 * 1000) } == 1_700_000_000_123)
            // The room comes back just after the event is yielded (so that a flush that sees an
            // empty buffer finds every event already out): wait for it.
            #expect(await producer.flush(timeout: .seconds(10)))
            #expect(producer.bufferDepth == (0, 0))
            await producer.shutdown()

            let letters = try DeadLetterFile.read(path: deadLetters)
            #expect(letters.count == 1)
            #expect(letters.first?.message.value == original.value)
            #expect(letters.first?.message.key == original.key)
        }
    }

    @Test func withDeliveryReportsOffOnlyFailuresArriveAndDeliveriesAreCounted() async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("event-counted", partitions: 2)
        let delivery = KafkaProducerConfiguration.DeliveryPolicy(retryBackoff: .milliseconds(100), maxRetryBackoff: .milliseconds(500), reportsDeliveries: false)
        let producer = try KafkaProducer(configuration: KafkaProducerTests.configuration(cluster, delivery: delivery), logger: KafkaProducerTests.quiet)
        _ = try await producer.send(KafkaProducerMessage(topic: "event-counted", value: "warm-up"))
        let deliveredBefore = producer.counters.delivered.value
        // Plain first attempts and boxed ones (an explicit timestamp) both settle without a report.
        for index in 0..<40 { try await producer.enqueue(Self.message(index, topic: "event-counted")) }
        #expect(await producer.flush(timeout: .seconds(30)))
        #expect(producer.counters.delivered.value - deliveredBefore == 40)
        #expect(producer.bufferDepth == (0, 0))
        // A failure still arrives, and is the first event: no delivery came before it.
        cluster.pushRequestErrors(apiKey: .produce, [.topicAuthorizationFailed])
        try await producer.enqueue(Self.message(40, topic: "event-counted"))
        var iterator = producer.events.makeAsyncIterator()
        guard case .failed(let message, _) = await iterator.next() else { Issue.record("the first event was not the failure"); return }
        #expect(message.value == Array("value-40".utf8))
        await producer.shutdown()

        let lines = try await Kcat.consume(bootstrap: cluster.bootstrapServers, topic: "event-counted", format: "%s\\n")
        #expect(Set(lines).isSuperset(of: (0..<40).map { "value-\($0)" }))
    }

    @Test func deliveryReportsArriveInEventsOfAtMost1024() async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("event-batches", partitions: 1)
        // A long linger: the 5,000 reports come back in one or two serves of librdkafka's queue.
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(
            connection: cluster.connection, linger: .milliseconds(200), batchSize: 1 << 24
        ), logger: KafkaProducerTests.quiet)
        for index in 0..<5_000 { try await producer.enqueue(KafkaProducerMessage(topic: "event-batches", value: Array("\(index)".utf8))) }
        var sizes: [Int] = []
        for await event in producer.events {
            if case .delivered(let reports) = event { sizes.append(reports.count) }
            if sizes.reduce(0, +) >= 5_000 { break }
        }
        #expect(sizes.reduce(0, +) == 5_000)
        #expect(sizes.allSatisfy { $0 <= ProducerEventSink.reportsPerEvent }, "\(sizes)")
        // At least one event is full when a serve brings more than 1,024 reports. How many reports
        // one serve brings depends on timing; two serves for 5,000 with a 200-ms linger is the norm,
        // and fewer than five events for 5,000 reports is only possible with full ones.
        #expect(sizes.contains(ProducerEventSink.reportsPerEvent) || sizes.count < 5, "\(sizes)")
        await producer.shutdown()
    }
}
