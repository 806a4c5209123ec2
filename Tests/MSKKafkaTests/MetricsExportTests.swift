import Foundation
import Metrics
import MetricsTestKit
import Testing
@testable import MSKKafka
import MSKKafkaTesting

/// Every metric the README lists reaches a swift-metrics backend under its name and labels:
/// the library's `msk_kafka_*_total` counters (label `client_id`), the buffer gauges, and the
/// gauges made from librdkafka's statistics per client, broker and partition.
///
/// swift-metrics has one backend per process: this suite bootstraps the recording one, once.
/// Other suites' metrics go there too, which is harmless — every check here is keyed by this
/// test's own client id.
@Suite(.timeLimit(.minutes(1)))
struct MetricsExportTests {
    static let metrics: TestMetrics = {
        let metrics = TestMetrics()
        MetricsSystem.bootstrap(metrics)
        return metrics
    }()

    static let counterNames = [
        "msk_kafka_token_refreshes_total", "msk_kafka_token_refresh_failures_total", "msk_kafka_authentication_failures_total",
        "msk_kafka_credential_refreshes_total", "msk_kafka_reconnects_total", "msk_kafka_retries_total", "msk_kafka_delivered_total",
        "msk_kafka_failed_total", "msk_kafka_dead_lettered_total", "msk_kafka_malformed_statistics_total", "msk_kafka_events_dropped_total",
    ]

    @Test func everyDocumentedMetricIsExportedUnderItsNameAndLabels() async throws {
        let metrics = Self.metrics
        let cluster = try MockKafkaCluster(brokers: 1)
        cluster.createTopic("metrics", partitions: 2)
        let clientID = "metrics-\(UUID().uuidString.prefix(8))"
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(
            connection: KafkaConnectionConfiguration(bootstrapServers: [cluster.bootstrapServers], clientID: clientID, statisticsInterval: .milliseconds(100)),
            linger: .milliseconds(1)
        ), logger: KafkaProducerTests.quiet)
        for index in 0..<10 { _ = try await producer.send(KafkaProducerMessage(topic: "metrics", partition: Int32(index % 2), value: "m\(index)")) }

        for name in Self.counterNames {
            #expect(throws: Never.self, "\(name){client_id} was never made") { _ = try metrics.expectCounter(name, [("client_id", clientID)]) }
        }
        #expect(try metrics.expectCounter("msk_kafka_delivered_total", [("client_id", clientID)]).totalValue == 10)

        // The statistics gauges come with the next statistics document (every 100 ms).
        func gauges(_ label: String) -> [TestRecorder] {
            metrics.recorders.filter { $0.label == label && $0.dimensions.contains { $0 == ("client_id", clientID) } }
        }
        let deadline = ContinuousClock.now + .seconds(20)
        while gauges("msk_kafka_partition_queued_messages").count < 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        for label in ["msk_kafka_buffer_messages", "msk_kafka_buffer_bytes", "msk_kafka_queue_messages", "msk_kafka_queue_bytes"] {
            #expect(gauges(label).map { $0.dimensions.map(\.0) } == [["client_id"]], "\(label)")
        }
        for label in ["msk_kafka_broker_connects", "msk_kafka_broker_disconnects", "msk_kafka_broker_outbuf_requests",
                      "msk_kafka_broker_rtt_avg_us", "msk_kafka_broker_tx_errors"] {
            #expect(!gauges(label).isEmpty && gauges(label).allSatisfy { Set($0.dimensions.map(\.0)) == ["client_id", "broker"] }, "\(label)")
        }
        let partitions = gauges("msk_kafka_partition_queued_messages")
        #expect(Set(partitions.compactMap { $0.dimensions.first { $0.0 == "partition" }?.1 }) == ["0", "1"])
        #expect(partitions.allSatisfy { $0.dimensions.contains { $0 == ("topic", "metrics") } })
        await producer.shutdown()
    }
}
