import CRdKafka
import Logging
import Synchronization
import Testing
@testable import MSKKafka
import MSKKafkaTesting

/// Topic handles: one per topic, found again by name and by address, none past the limit, all
/// given back at shutdown — and delivery reports name the right topic whichever way a message
/// went.
@Suite(.timeLimit(.minutes(1)))
struct ProducerTopicsTests {
    @Test func handlesAreMadeOncePerTopicUpToTheLimitAndGivenBack() throws {
        let cluster = try MockKafkaCluster()
        let (client, _) = try TestClient.producer(bootstrapServers: cluster.bootstrapServers)
        defer {
            client.destroy()
            withExtendedLifetime(cluster) {}
        }
        let topics = ProducerTopics(client: client, limit: 2)

        let north = try #require(topics.handle(named: "north"))
        let south = try #require(topics.handle(named: "south"))
        #expect(north != south)
        #expect(topics.handle(named: "north") == north)
        #expect(topics.handle(named: "south") == south)
        #expect(String(cString: rd_kafka_topic_name(north.raw)) == "north")
        #expect(topics.topic(handle: south)?.name == "south")
        #expect(topics.handle(named: "east") == nil, "past the limit, messages go by name")
        #expect(topics.handle(named: String(repeating: "x", count: 513)) == nil, "librdkafka makes no handle for a name over 512 bytes")

        topics.destroyAll()
        #expect(topics.handle(named: "north") == nil)
        #expect(topics.handle(named: "south") == nil)
    }

    static let names = ["north", "south", "east"]

    /// A mock cluster with the topics ``names``, and a producer to it with `topicHandleLimit`.
    static func producerForThreeTopics(topicHandleLimit: Int) throws -> (MockKafkaCluster, KafkaProducer) {
        let cluster = try MockKafkaCluster()
        for name in names { cluster.createTopic(name, partitions: 2) }
        var logger = Logger(label: "test.topics")
        logger.logLevel = .critical
        return (cluster, try KafkaProducer(configuration: KafkaProducerTests.configuration(cluster), logger: logger, topicHandleLimit: topicHandleLimit))
    }

    @Test(arguments: [ProducerTopics.defaultLimit, 1])
    func reportsNameTheirTopicWhenTopicsInterleave(topicHandleLimit: Int) async throws {
        let (cluster, producer) = try Self.producerForThreeTopics(topicHandleLimit: topicHandleLimit)
        defer { withExtendedLifetime(cluster) {} }
        let names = Self.names
        let perTopic = 300
        for index in 0..<perTopic * names.count {
            // Headers on some, to take rd_kafka_produceva as well as rd_kafka_produce.
            let headers: [(name: String, value: [UInt8])] = index % 5 == 0 ? [("h", [1])] : []
            try await producer.enqueue(KafkaProducerMessage(topic: names[index % names.count], value: Array("\(index)".utf8), headers: headers))
        }
        // A name librdkafka refuses (over 512 bytes) fails at once, typed, whichever path it takes.
        try await producer.enqueue(KafkaProducerMessage(topic: String(repeating: "x", count: 513), value: "nowhere"))
        var counts: [String: Int] = [:]
        var failures: [KafkaError] = []
        for await event in producer.events {
            switch event {
            case .delivered(let reports): for report in reports { counts[report.topic, default: 0] += 1 }
            case .failed(_, let error): failures.append(error)
            case .orderBroken(let broken): Issue.record("no order is kept here: \(broken)")
            }
            if counts.values.reduce(0, +) + failures.count == perTopic * names.count + 1 { break }
        }
        #expect(counts == Dictionary(uniqueKeysWithValues: names.map { ($0, perTopic) }))
        #expect(failures.count == 1)
        if case .delivery(_, let name, _) = failures.first {
            #expect(name == "_INVALID_ARG")
        } else {
            Issue.record("expected a delivery error, got \(failures)")
        }
        await producer.shutdown()
    }

    @Test(arguments: [ProducerTopics.defaultLimit, 1])
    func completionReportsNameTheirMessagesTopicWhenTopicsInterleave(topicHandleLimit: Int) async throws {
        let (cluster, producer) = try Self.producerForThreeTopics(topicHandleLimit: topicHandleLimit)
        defer { withExtendedLifetime(cluster) {} }
        let names = Self.names
        // Each report's topic, against the topic its message went to.
        let outcomes = Mutex<[(sent: String, reported: String?)]>([])
        let perTopic = 300
        for index in 0..<perTopic * names.count {
            // Runs of two to one topic, so that a report finds the topic before it both the same
            // and different.
            let topic = names[index / 2 % names.count]
            try await producer.enqueue(KafkaProducerMessage(topic: topic, value: Array("\(index)".utf8))) { result in
                outcomes.withLock { $0.append((topic, try? result.get().topic)) }
            }
        }
        #expect(await producer.flush(timeout: .seconds(30)))
        let seen = outcomes.withLock { $0 }
        #expect(seen.count == perTopic * names.count)
        let misnamed = seen.filter { $0.sent != $0.reported }
        #expect(misnamed.count == 0, "reports naming another topic than their message's, e.g. \(misnamed.prefix(3))")
        await producer.shutdown()
    }
}
