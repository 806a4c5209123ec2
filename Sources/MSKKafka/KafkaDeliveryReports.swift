/// The delivery reports of one ``KafkaProducerEvent/delivered(_:)`` event, in librdkafka's
/// order: a random-access collection of ``KafkaDeliveryReport``.
///
/// Stored compactly — each topic's name once per event, and 32 bytes of plain numbers per
/// report — so that gathering a report on the producer's thread is a store of a few numbers: no
/// reference to count for the topic's name (a name over 15 bytes is a heap object in Swift), and
/// a third less memory for the events a slow reader leaves waiting. Each ``KafkaDeliveryReport``
/// is made when it is read.
public struct KafkaDeliveryReports: RandomAccessCollection, Sendable {
    /// One report, the topic as an index into `topics`.
    struct Record {
        var offset: Int64
        /// -1 where there is none (Kafka's own "no timestamp").
        var timestampMs: Int64
        var partition: Int32
        var topic: UInt32
        var attempts: Int
    }

    private(set) var topics: [String] = []
    private var records: [Record] = []

    /// No reports.
    public init() {}

    /// The given reports.
    public init(_ reports: some Sequence<KafkaDeliveryReport>) {
        for report in reports { append(report) }
    }

    /// The first report's position (0).
    public var startIndex: Int { records.startIndex }
    /// One past the last report's position (the count).
    public var endIndex: Int { records.endIndex }

    /// The report at `position`, made from its stored numbers and its topic's name.
    public subscript(position: Int) -> KafkaDeliveryReport {
        let record = records[position]
        return KafkaDeliveryReport(
            topic: topics[Int(record.topic)], partition: record.partition, offset: record.offset,
            timestampMs: record.timestampMs < 0 ? nil : record.timestampMs, attempts: record.attempts
        )
    }

    /// Room for `count` reports without growing.
    mutating func reserveCapacity(_ count: Int) {
        records.reserveCapacity(count)
    }

    /// The index of `topic` in this event's topics, added if new. A linear search: an event
    /// holds the reports of one serve, rarely of more than a few topics.
    mutating func topicIndex(_ topic: String) -> UInt32 {
        if let index = topics.firstIndex(of: topic) { return UInt32(index) }
        topics.append(topic)
        return UInt32(topics.count - 1)
    }

    /// Appends a report whose topic is `topics[topic]`.
    mutating func append(topic: UInt32, partition: Int32, offset: Int64, timestampMs: Int64?, attempts: Int) {
        records.append(Record(offset: offset, timestampMs: timestampMs ?? -1, partition: partition, topic: topic, attempts: attempts))
    }

    /// Appends `report`.
    mutating func append(_ report: KafkaDeliveryReport) {
        append(topic: topicIndex(report.topic), partition: report.partition, offset: report.offset, timestampMs: report.timestampMs, attempts: report.attempts)
    }
}

extension KafkaDeliveryReports: Equatable {
    /// The same reports in the same order (however each side stores its topics).
    public static func == (lhs: KafkaDeliveryReports, rhs: KafkaDeliveryReports) -> Bool {
        lhs.elementsEqual(rhs)
    }
}

extension KafkaDeliveryReports: CustomStringConvertible {
    /// The reports, as an array of ``KafkaDeliveryReport`` would print them.
    public var description: String { "\(Array(self))" }
}
