import Testing
@testable import MSKKafka

/// The compact collection of one event's delivery reports reads back exactly what went in.
struct KafkaDeliveryReportsTests {
    static let reports = [
        KafkaDeliveryReport(topic: "orders.created.v1-a-topic-name-longer-than-15-bytes", partition: 0, offset: 0, timestampMs: 1_700_000_000_123, attempts: 1),
        KafkaDeliveryReport(topic: "t", partition: 5, offset: Int64.max, timestampMs: nil, attempts: 1),
        KafkaDeliveryReport(topic: "orders.created.v1-a-topic-name-longer-than-15-bytes", partition: 2, offset: 42, timestampMs: 0, attempts: 70_000),
        KafkaDeliveryReport(topic: "", partition: Int32.max, offset: 7, timestampMs: nil, attempts: 3),
    ]

    @Test func readsBackWhatWentInInOrder() {
        let compact = KafkaDeliveryReports(Self.reports)
        #expect(Array(compact) == Self.reports)
        #expect(compact.count == 4)
        #expect(compact[2] == Self.reports[2])
        #expect(compact.topics == ["orders.created.v1-a-topic-name-longer-than-15-bytes", "t", ""], "each topic stored once")
        #expect(KafkaDeliveryReports().isEmpty)
    }

    @Test func equalWhenTheReportsAreEqualWhateverTheOrderOfTopics() {
        var reversedTopics = KafkaDeliveryReports()
        for topic in ["", "t", "orders.created.v1-a-topic-name-longer-than-15-bytes"] { _ = reversedTopics.topicIndex(topic) }
        for report in Self.reports { reversedTopics.append(report) }
        #expect(reversedTopics.topics != KafkaDeliveryReports(Self.reports).topics)
        #expect(reversedTopics == KafkaDeliveryReports(Self.reports))
        #expect(KafkaDeliveryReports(Self.reports.dropLast()) != KafkaDeliveryReports(Self.reports))
    }
}
