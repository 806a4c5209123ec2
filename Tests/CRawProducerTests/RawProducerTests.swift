import CRawProducer
import Foundation
import MSKKafkaTesting
import TestSupport
import Testing

/// The benchmark's C reference against librdkafka's mock cluster: what it counts is what the
/// benchmark divides by, so a warm-up counted as a message, or a latency slot left empty, would
/// skew every ratio.
@Suite(.timeLimit(.minutes(2)))
struct RawProducerTests {
    static func withProperties<Result>(_ bootstrap: String, _ body: (UnsafePointer<UnsafePointer<CChar>?>, Int) -> Result) -> Result {
        let strings = ["bootstrap.servers", bootstrap, "linger.ms", "5", "enable.idempotence", "true", "log_level", "3"]
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!, $0.count) }
    }

    static func error(of result: raw_producer_result) -> String {
        var result = result
        return withUnsafeBytes(of: &result.error) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    @Test(arguments: [(0, 1), (1, 1), (0, 0)])
    func deliversEveryTimedMessageAndLeavesTheWarmUpOut(topicHandle: Int32, copy: Int32) throws {
        let cluster = try MockKafkaCluster(brokers: 3)
        cluster.createTopic("bench", partitions: 6)
        let result = Self.withProperties(cluster.bootstrapServers) { raw_producer_run($0, $1, "bench", 2_000, 100, topicHandle, copy, 0) }
        #expect(Self.error(of: result) == "")
        #expect(result.delivered == 2_000)
        #expect(result.failed == 0)
        #expect(result.startup_seconds > 0)
        #expect(result.seconds > 0)
    }

    /// The keyed reference (`c-keyed`): message `i` stored with the key `key-<i % keys>`, read
    /// back by kcat, so that the keyed Swift paths are measured against the same keys.
    @Test func theKeyedReferenceStoresEachMessageWithItsKey() async throws {
        let cluster = try MockKafkaCluster(brokers: 3)
        cluster.createTopic("bench", partitions: 6)
        let result = Self.withProperties(cluster.bootstrapServers) { raw_producer_run($0, $1, "bench", 2_000, 100, 0, 1, 10) }
        #expect(Self.error(of: result) == "")
        #expect(result.delivered == 2_000)
        // The warm-up message has no key; each of the ten keys is on 200 messages, each key on one partition.
        let stored = try await Kcat.consume(bootstrap: cluster.bootstrapServers, topic: "bench", format: "%p|%k\\n").filter { !$0.hasSuffix("|") }
        let byKey = Dictionary(grouping: stored) { String($0.split(separator: "|")[1]) }
        #expect(byKey.keys.sorted() == (0..<10).map { "key-\($0)" }.sorted())
        #expect(byKey.values.allSatisfy { $0.count == 200 && Set($0).count == 1 }, "\(byKey.mapValues { Set($0) })")
    }

    @Test func aFixedRateRunRecordsALatencyForEveryMessage() throws {
        let cluster = try MockKafkaCluster(brokers: 3)
        cluster.createTopic("bench", partitions: 6)
        var latencies = [UInt64](repeating: 0, count: 600)
        let result = latencies.withUnsafeMutableBufferPointer { slots in
            Self.withProperties(cluster.bootstrapServers) { raw_producer_rate_run($0, $1, "bench", 600, 100, 0, 6, 3_000, slots.baseAddress) }
        }
        #expect(Self.error(of: result) == "")
        #expect(result.delivered == 600)
        #expect(latencies.allSatisfy { $0 > 0 })
        // 600 messages at 3,000 a second take at least the 0.2 s of their schedule.
        #expect(result.seconds >= 0.199)
    }

    @Test func aBadPropertyIsReportedNotRun() throws {
        let cluster = try MockKafkaCluster(brokers: 1)
        let result = Self.withProperties(cluster.bootstrapServers) { properties, count in
            var bad = Array(UnsafeBufferPointer(start: properties, count: count))
            let name = strdup("no.such.property"), value = strdup("1")
            defer { free(name); free(value) }
            bad += [UnsafePointer(name), UnsafePointer(value)]
            return raw_producer_run(bad, bad.count, "bench", 10, 100, 0, 1, 0)
        }
        #expect(Self.error(of: result).hasPrefix("no.such.property"))
        #expect(result.delivered == 0)
    }
}
