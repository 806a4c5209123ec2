import Foundation
import Logging
import MSKAuth
import Synchronization
import Testing
import TestSupport
@testable import MSKKafka
import MSKKafkaTesting
import MSKLocal

@Suite(.timeLimit(.minutes(2)))
struct KafkaProducerTests {
    static let quiet: Logger = {
        var logger = Logger(label: "test.producer")
        logger.logLevel = .critical
        return logger
    }()

    static func configuration(_ cluster: any KafkaTestCluster, delivery: KafkaProducerConfiguration.DeliveryPolicy = .init(retryBackoff: .milliseconds(100), maxRetryBackoff: .milliseconds(500)),
                              messageTimeout: Duration = .seconds(5), extra: [String: String] = [:]) -> KafkaProducerConfiguration {
        KafkaProducerConfiguration(connection: cluster.connection, linger: .milliseconds(1), messageTimeout: messageTimeout,
                                   delivery: delivery, additionalProperties: extra)
    }

    @Test func roundTripWithKeysHeadersAndPartitionsReadBackByKcat() async throws {
        let cluster = try MockKafkaCluster(brokers: 3)
        cluster.createTopic("round-trip", partitions: 3)
        let producer = try KafkaProducer(configuration: Self.configuration(cluster), logger: Self.quiet)
        var reports: [KafkaDeliveryReport] = []
        for index in 0..<30 {
            let message = KafkaProducerMessage(topic: "round-trip", partition: index % 3 == 0 ? 2 : nil, key: "key-\(index)", value: "value-\(index)", headers: [("h", "v\(index)")])
            reports.append(try await producer.send(message))
        }
        await producer.shutdown()
        #expect(reports.allSatisfy { $0.topic == "round-trip" && $0.offset >= 0 && $0.attempts == 1 })
        #expect(reports.enumerated().filter { $0.offset % 3 == 0 }.allSatisfy { $0.element.partition == 2 })
        #expect(Set(reports.map(\.partition)).count > 1)
        #expect(producer.counters.delivered.value == 30)

        let lines = try await Kcat.consume(bootstrap: cluster.bootstrapServers, topic: "round-trip", count: 30)
        #expect(lines.count == 30)
        for index in 0..<30 {
            let report = reports[index]
            #expect(lines.contains("\(report.partition)|key-\(index)|value-\(index)|h=v\(index)"), "message \(index)")
        }
    }

    @Test func brokerDownLongerThanTheMessageTimeoutLosesNothing() async throws {
        let cluster = try await LocalKafkaCluster.start(brokers: 1)
        cluster.createTopic("outage", partitions: 2)
        // The retry layer's path: under per-key order (the default) librdkafka would keep the
        // messages itself through the outage (PerKeyOrderTests).
        let retryLayer = KafkaProducerConfiguration.DeliveryPolicy(retryBackoff: .milliseconds(100), maxRetryBackoff: .milliseconds(500), ordering: .none)
        let producer = try KafkaProducer(configuration: Self.configuration(cluster, delivery: retryLayer, messageTimeout: .milliseconds(800)), logger: Self.quiet)
        _ = try await producer.send(KafkaProducerMessage(topic: "outage", value: "warm-up"))
        try cluster.setBroker(1, up: false)
        let outcomes = Mutex<[Result<KafkaDeliveryReport, KafkaError>]>([])
        for index in 0..<50 {
            try await producer.enqueue(KafkaProducerMessage(topic: "outage", key: "k\(index)", value: "during-outage-\(index)")) { result in
                outcomes.withLock { $0.append(result) }
            }
        }
        // Until a message timed out and was produced again (librdkafka scans once a second).
        let retrying = ContinuousClock.now + .seconds(15)
        while producer.counters.retries.value == 0, ContinuousClock.now < retrying { try await Task.sleep(for: .milliseconds(20)) }
        #expect(producer.counters.retries.value > 0)
        try cluster.setBroker(1, up: true)
        #expect(await producer.flush(timeout: .seconds(60)))
        let results = outcomes.withLock { $0 }
        #expect(results.count == 50)
        #expect(results.allSatisfy { (try? $0.get()) != nil }, "\(results.compactMap { if case .failure(let e) = $0 { return "\(e)" } else { return nil } }.prefix(3))")
        #expect(producer.counters.failed.value == 0)
        await producer.shutdown()
        let values = Set(try await Kcat.consume(bootstrap: cluster.bootstrapServers, topic: "outage").compactMap { line -> Substring? in let fields = line.split(separator: "|", omittingEmptySubsequences: false); return fields.count > 2 ? fields[2] : nil })
        #expect((0..<50).allSatisfy { values.contains("during-outage-\($0)") })
    }

    @Test func injectedBrokerErrorsAreRetriedAndNothingIsLost() async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("flaky")
        let producer = try KafkaProducer(configuration: Self.configuration(cluster), logger: Self.quiet)
        _ = try await producer.send(KafkaProducerMessage(topic: "flaky", value: "warm-up"))
        // Retriable broker errors on the next Produce requests: librdkafka retries them itself.
        cluster.pushRequestErrors(apiKey: .produce, [.notLeaderForPartition, .requestTimedOut, .notEnoughReplicas, .leaderNotAvailable])
        var reports: [KafkaDeliveryReport] = []
        for index in 0..<20 { reports.append(try await producer.send(KafkaProducerMessage(topic: "flaky", key: "k", value: "v\(index)"))) }
        #expect(reports.map(\.offset) == reports.map(\.offset).sorted())
        #expect(Set(reports.map(\.offset)).count == 20)
        // A non-retriable broker error is reported, not retried.
        cluster.pushRequestErrors(apiKey: .produce, [.topicAuthorizationFailed])
        do {
            _ = try await producer.send(KafkaProducerMessage(topic: "flaky", value: "denied"))
            Issue.record("expected TOPIC_AUTHORIZATION_FAILED")
        } catch let error as KafkaError {
            guard case .authorization(let failure) = error else { Issue.record("\(error)"); return }
            #expect(failure.name == "TOPIC_AUTHORIZATION_FAILED" && failure.action == "kafka-cluster:WriteData")
        }
        await producer.shutdown()
        #expect(producer.counters.failed.value == 1)
    }

    @Test func enqueuedOutcomesArriveAsEvents() async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("events")
        let producer = try KafkaProducer(configuration: Self.configuration(cluster, extra: ["message.max.bytes": "2000"]), logger: Self.quiet)
        for index in 0..<10 { try await producer.enqueue(KafkaProducerMessage(topic: "events", value: "e\(index)")) }
        try await producer.enqueue(KafkaProducerMessage(topic: "events", value: [UInt8](repeating: 1, count: 4000)))
        var delivered = 0, failed = 0
        for await event in producer.events {
            switch event {
            case .delivered(let reports): delivered += reports.count; #expect(reports.allSatisfy { $0.topic == "events" })
            case .failed(let message, _): failed += 1; #expect(message.value.count == 4000)
            case .orderBroken(let broken): Issue.record("no order is kept here: \(broken)")
            }
            if delivered + failed == 11 { break }
        }
        #expect(delivered == 10)
        #expect(failed == 1)
        await producer.shutdown()
    }

    @Test func invalidConfigurationNamesThePropertyWithLibrdkafkasText() throws {
        let cluster = try MockKafkaCluster()
        do {
            _ = try KafkaProducer(configuration: Self.configuration(cluster, extra: ["linger.ms": "-5"]), logger: Self.quiet)
            Issue.record("expected a configuration error")
        } catch let error as KafkaError {
            guard case .invalidConfiguration(let property, let reason) = error else { throw error }
            #expect(property == "linger.ms")
            #expect(reason.contains("-5") || reason.lowercased().contains("range"), "\(reason)")
        }
        #expect(throws: KafkaError.self) {
            try KafkaProducer(configuration: Self.configuration(cluster, extra: ["no.such.property": "1"]), logger: Self.quiet)
        }
    }

    @Test func fullBufferFailsFastWhenAskedTo() async throws {
        let cluster = try await LocalKafkaCluster.start()
        cluster.createTopic("full")
        try cluster.setBroker(1, up: false)
        let policy = KafkaProducerConfiguration.DeliveryPolicy(maxBufferedMessages: 5, backpressure: .failFast, maxRetries: 0)
        let producer = try KafkaProducer(configuration: Self.configuration(cluster, delivery: policy, messageTimeout: .seconds(30)), logger: Self.quiet)
        for index in 0..<5 { try await producer.enqueue(KafkaProducerMessage(topic: "full", value: "m\(index)")) }
        do {
            try await producer.enqueue(KafkaProducerMessage(topic: "full", value: "one too many"))
            Issue.record("a sixth message was accepted into a buffer of five")
        } catch KafkaError.bufferFull(let messages, _) {
            #expect(messages == 5)
        }
        #expect(producer.bufferDepth.messages == 5)
        await producer.shutdown(timeout: .milliseconds(100))
    }

    @Test func theBufferIsBoundedInBytesToo() async throws {
        let cluster = try await LocalKafkaCluster.start()
        cluster.createTopic("full-bytes")
        try cluster.setBroker(1, up: false)
        // Room for two 40-byte values (key and headers count too: none here), not three.
        let policy = KafkaProducerConfiguration.DeliveryPolicy(maxBufferedBytes: 100, backpressure: .failFast, maxRetries: 0)
        let producer = try KafkaProducer(configuration: Self.configuration(cluster, delivery: policy, messageTimeout: .seconds(30)), logger: Self.quiet)
        let value = [UInt8](repeating: 1, count: 40)
        for _ in 0..<2 { try await producer.enqueue(KafkaProducerMessage(topic: "full-bytes", value: value)) }
        do {
            try await producer.enqueue(KafkaProducerMessage(topic: "full-bytes", value: value))
            Issue.record("120 bytes were accepted into a buffer of 100")
        } catch KafkaError.bufferFull(let messages, let bytes) {
            #expect(messages == 2 && bytes == 80)
        }
        #expect(producer.bufferDepth.messages == 2 && producer.bufferDepth.bytes == 80)
        await producer.shutdown(timeout: .milliseconds(100))
    }

    @Test func fullBufferSuspendsUntilThereIsRoom() async throws {
        let cluster = try await LocalKafkaCluster.start()
        cluster.createTopic("suspend")
        try cluster.setBroker(1, up: false)
        let policy = KafkaProducerConfiguration.DeliveryPolicy(maxBufferedMessages: 3, backpressure: .suspend, retryBackoff: .milliseconds(50))
        let producer = try KafkaProducer(configuration: Self.configuration(cluster, delivery: policy), logger: Self.quiet)
        for index in 0..<3 { try await producer.enqueue(KafkaProducerMessage(topic: "suspend", value: "m\(index)")) }
        let fourth = Task { try await producer.send(KafkaProducerMessage(topic: "suspend", value: "waits")) }
        // Waits for the fourth to be suspended (a condition, not a sleep): then it holds no room.
        let deadline = ContinuousClock.now + .seconds(10)
        while producer.callersWaitingForRoom == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(producer.callersWaitingForRoom == 1, "the fourth send did not suspend")
        #expect(producer.bufferDepth.messages == 3)
        try cluster.setBroker(1, up: true)
        let report = try await fourth.value
        #expect(report.offset >= 0)
        await producer.shutdown()
    }

    @Test func exhaustedAndNonRetriableMessagesAreReportedAndDeadLettered() async throws {
        let cluster = try await LocalKafkaCluster.start()
        cluster.createTopic("dlq")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dlq-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        // Timeouts retried by the retry layer (per-key order would give librdkafka the budget).
        let policy = KafkaProducerConfiguration.DeliveryPolicy(maxRetries: 1, retryBackoff: .milliseconds(50), deadLetterPath: path, ordering: .none)
        let producer = try KafkaProducer(configuration: Self.configuration(cluster, delivery: policy, messageTimeout: .milliseconds(300), extra: ["message.max.bytes": "2000"]), logger: Self.quiet)

        // Non-retriable: too large for message.max.bytes, fails at once.
        do {
            _ = try await producer.send(KafkaProducerMessage(topic: "dlq", key: [1, 2], value: [UInt8](repeating: 7, count: 5000)))
            Issue.record("expected MSG_SIZE_TOO_LARGE")
        } catch let error as KafkaError {
            guard case .delivery(_, let name, _) = error else { Issue.record("\(error)"); return }
            #expect(name.contains("SIZE_TOO_LARGE"))
        }
        // Retriable, but the broker stays down past every retry.
        try cluster.setBroker(1, up: false)
        do {
            _ = try await producer.send(KafkaProducerMessage(topic: "dlq", key: "k", value: "never delivered", headers: [("trace", "abc")]))
            Issue.record("expected retriesExhausted")
        } catch let error as KafkaError {
            guard case .retriesExhausted(let attempts, _) = error else { Issue.record("\(error)"); return }
            #expect(attempts == 2)
        }
        await producer.shutdown(timeout: .milliseconds(100))
        let dead = try DeadLetterFile.read(path: path)
        #expect(dead.count == 2)
        #expect(dead[0].message.value.count == 5000)
        #expect(dead[1].message.value == Array("never delivered".utf8))
        #expect(dead[1].message.headers.first?.name == "trace")
        #expect(dead[1].attempts == 2)
        #expect(producer.counters.deadLettered.value == 2)
    }

    @Test func shutdownWithMessagesInFlightReportsEveryOne() async throws {
        let cluster = try await LocalKafkaCluster.start()
        cluster.createTopic("inflight")
        try cluster.setBroker(1, up: false)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dlq-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let producer = try KafkaProducer(configuration: Self.configuration(cluster, delivery: .init(deadLetterPath: path)), logger: Self.quiet)
        let outcomes = Mutex((delivered: 0, failed: 0))
        for index in 0..<10 {
            try await producer.enqueue(KafkaProducerMessage(topic: "inflight", value: "m\(index)")) { result in
                outcomes.withLock { if case .failure = result { $0.failed += 1 } else { $0.delivered += 1 } }
            }
        }
        await producer.shutdown(timeout: .milliseconds(200))
        // Every message is accounted for by the time shutdown returns, failed and in the
        // dead-letter file: the broker was down (at the front, which lets nothing through) all along.
        let (delivered, failed) = outcomes.withLock { $0 }
        #expect(delivered == 0 && failed == 10)
        #expect(try DeadLetterFile.read(path: path).count == 10)
        #expect(producer.bufferDepth.messages == 0)
        await #expect(throws: KafkaError.self) { try await producer.send(KafkaProducerMessage(topic: "inflight", value: "after")) }
    }

    @Test func droppingAProducerMidFlightReportsEveryMessage() async throws {
        let cluster = try await LocalKafkaCluster.start()
        cluster.createTopic("dropped")
        try cluster.setBroker(1, up: false)
        let outcomes = Mutex(0)
        do {
            let producer = try KafkaProducer(configuration: Self.configuration(cluster, delivery: .init(retryBackoff: .milliseconds(100), maxRetryBackoff: .milliseconds(200), ordering: .none),
                                                                              messageTimeout: .milliseconds(300)), logger: Self.quiet)
            for index in 0..<5 {
                try await producer.enqueue(KafkaProducerMessage(topic: "dropped", value: "m\(index)")) { _ in outcomes.withLock { $0 += 1 } }
            }
            // Until some attempts are waiting to be retried (librdkafka scans for timeouts once a second).
            let retrying = ContinuousClock.now + .seconds(15)
            while producer.counters.retries.value == 0, ContinuousClock.now < retrying { try await Task.sleep(for: .milliseconds(20)) }
            #expect(producer.counters.retries.value > 0)
        }  // released here, without shutdown
        let deadline = ContinuousClock.now + .seconds(20)
        while outcomes.withLock({ $0 }) < 5, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(outcomes.withLock { $0 } == 5)
    }

    @Test func statisticsAreDecodedFromRealDocuments() async throws {
        let cluster = try MockKafkaCluster(brokers: 2)
        cluster.createTopic("stats", partitions: 2)
        var configuration = Self.configuration(cluster)
        configuration.statisticsInterval = .milliseconds(100)
        let producer = try KafkaProducer(configuration: configuration, logger: Self.quiet)
        _ = try await producer.send(KafkaProducerMessage(topic: "stats", value: "x"))
        var seen: KafkaStatistics?
        for await statistics in producer.statistics {
            if statistics.txmsgs ?? 0 >= 1, statistics.topics?["stats"] != nil { seen = statistics; break }
        }
        await producer.shutdown()
        let statistics = try #require(seen)
        #expect(statistics.client_id == "swift-msk-kafka")
        #expect((statistics.brokers ?? [:]).values.contains { $0.state == "UP" })
        #expect(statistics.topics?["stats"]?.partitions?.count ?? 0 >= 2)
        #expect(producer.counters.malformedStatistics.value == 0)
    }
}
