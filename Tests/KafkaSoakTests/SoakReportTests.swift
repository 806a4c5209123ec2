import Foundation
import KafkaSoak
import MSKLocal
import Testing

/// `report.json` read and written back unchanged, and `report.html` drawn from a fixed report.
@Suite struct SoakReportTests {
    @Test func aKnownDocumentDecodesAndEncodesBackTheSame() throws {
        let report = try SoakReportFixture.report()
        #expect(report.startedAt == "2025-01-02T03:04:05Z")
        #expect(report.passed && report.problems.isEmpty)
        #expect(report.settings.dropEveryS == 2 && report.settings.brokerOutageEveryS == nil)
        #expect(report.totals.sent == 200 && report.totals.inLogUnique == 200)
        #expect(report.producer.map(\.t) == [2, 4] && report.producer[1].record.heapInUseBytes == 1_048_576)
        #expect(report.producer[1].record.deliveredWithoutOffset == nil)
        #expect(report.consumer[1].record.committedBehind == 0)
        #expect(report.broker[1].record.distinctAccessKeys == 2)
        #expect(report.faults.map(\.record.kind) == ["drop_connections", "broker_down"])
        #expect(report.rebalances.first?.record.partitions == [0, 1])
        #expect(report.audit == "complete" && report.consumerMode == "group")
        #expect(report.authorization?.decisions.first?.count == 3)
        #expect(report.authorization?.denials.first?.statement == nil)

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let written = try encoder.encode(report)
        let original = try JSONSerialization.jsonObject(with: Data(SoakReportFixture.json.utf8)) as? NSDictionary
        let again = try JSONSerialization.jsonObject(with: written) as? NSDictionary
        #expect(original != nil && original == again, "\(String(decoding: written, as: UTF8.self))")
    }

    @Test func thePageHasTheChartsTheMarkersAndEscapedText() throws {
        let html = SoakReportPage(report: try SoakReportFixture.report()).html
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>"))
        #expect(html.contains("PASSED — nothing lost, nothing corrupted"))
        #expect(html.components(separatedBy: "<svg ").count - 1 == 5, "throughput, latency, buffer, memory, gateway")
        for title in ["Throughput", "End-to-end latency", "Producer buffer depth", "Resident memory", "Gateway (cumulative)"] {
            #expect(html.contains("class=\"title\">\(title)"), "\(title)")
        }
        #expect(html.contains("<polyline"))
        // Faults: full-height lines in their colour, labelled (escaped), on every chart.
        #expect(html.components(separatedBy: "stroke=\"#d62728\" class=\"marker\"><title>drop_connections 2 connections at 1 s</title>").count - 1 == 5)
        #expect(html.contains("<title>broker_down broker 2 &lt;down&gt; &amp; &quot;out&quot; at 3 s</title>"))
        // The rebalance: a pink tick on the throughput chart only.
        #expect(html.components(separatedBy: "stroke=\"#e377c2\" class=\"marker\"><title>rebalance: assigned 0,1 at 0 s</title>").count - 1 == 1)
        // With several members in the consumer process, the tick names the member.
        var grouped = try SoakReportFixture.report()
        grouped.rebalances[0].record.member = 2
        #expect(SoakReportPage(report: grouped).html.contains("<title>rebalance (member 2): assigned 0,1 at 0 s</title>"))
        // A token refresh (producer 0 → 1) and a credential rotation (1 → 2 access keys).
        #expect(html.contains("<title>1 token refresh(es) at 4 s</title>"))
        #expect(html.contains("<title>credential rotation at 4 s</title>"))
        // Text from the run is escaped wherever it appears.
        #expect(html.contains("<li>a note with a &lt; b &amp; c &gt; d</li>"))
        #expect(html.contains("<code>kafka-soak drive --duration 4 --label &lt;b&gt;&amp;co</code>"))
        for raw in ["<b>&co", "a < b", "<down>", "& \"out\""] { #expect(!html.contains(raw), "\(raw) unescaped") }
        #expect(html.contains("<tr><td>sent / delivered / failed</td><td>200 / 200 / 0</td></tr>"))
    }

    @Test func aFailedReportShowsItsProblemsEscaped() throws {
        var report = try SoakReportFixture.report()
        report.passed = false
        report.problems = ["3 messages lost", "odd <thing> & more"]
        let html = SoakReportPage(report: report).html
        #expect(html.contains("FAILED — 3 messages lost; odd &lt;thing&gt; &amp; more"))
        #expect(!html.contains("<thing>"))
    }

    @Test func chartEscapesItsTextAndScalesItsAxis() {
        let chart = SVGLineChart(title: "a<b & c", unit: "x>y", series: [.init(name: "s\"1", color: "#000", points: [(0, 3), (10, 7)])],
                                 markers: [.init(x: 5, color: "#111", label: "m<&>", tall: false)], xMax: 10)
        let svg = chart.svg
        #expect(svg.contains(">a&lt;b &amp; c</text>") && svg.contains(">x&gt;y</text>") && svg.contains(">s&quot;1</text>"))
        #expect(svg.contains("<title>m&lt;&amp;&gt; at 5 s</title>"))
        #expect(svg.contains("<polyline points=\"64.0,"))
        #expect(SVGLineChart.niceCeiling(7) == 10 && SVGLineChart.niceCeiling(0) == 1 && SVGLineChart.niceCeiling(230) == 250)
        #expect(SVGLineChart.escape("<a href=\"x\">&</a>") == "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;")
    }
}

/// The verdict of a drive run, from crafted children's records.
@Suite struct SoakVerdictTests {
    static let settings = SoakReport.Settings(durationS: 4, rate: 50, size: 100, streams: 2, brokers: 3, partitions: 2, tokenLifetimeS: 10,
                                              credentialLifetimeS: 30, messageTimeoutS: 10, brokerOutageLengthS: 12, stsOutageLengthS: 20, command: "kafka-soak drive")

    static func producer(sent: Int, delivered: Int, failed: Int = 0, retries: Int = 0, reconnects: Int = 0) -> SoakReport.Timed<ProducerRecord> {
        .init(t: 4, record: ProducerRecord(type: "summary", elapsedS: 4, sent: sent, delivered: delivered, failed: failed, deadLettered: 0, rate: 50,
                                           inFlight: 0, bufferMessages: 0, bufferBytes: 0, retries: retries, requestRetries: 0, tokenRefreshes: 1,
                                           tokenRefreshFailures: 0, credentialRefreshes: 0, credentialRefreshFailures: 0, authenticationFailures: 0,
                                           reconnects: reconnects, rssBytes: 1 << 20))
    }

    static func consumer(unique: Int, missing: Int = 0, duplicates: Int = 0, committedAhead: Int? = nil, type: String = "summary") -> ConsumerRecord {
        ConsumerRecord(type: type, elapsedS: 5, consumed: unique + duplicates, unique: unique, duplicates: duplicates, corrupted: 0, outOfOrder: 0,
                       missing: missing, streams: 2, endedStreams: 2, rate: 50, intervalP50Ms: 10, intervalP99Ms: 20, p50Ms: 10, p90Ms: 15,
                       p99Ms: 20, p999Ms: 20, maxMs: 21, tokenRefreshes: 1, reconnects: 0, rssBytes: 1 << 20, truncatedPartitions: 0,
                       committedAhead: committedAhead, committedBehind: committedAhead.map { _ in 0 })
    }

    static func judge(producer: SoakReport.Timed<ProducerRecord>, consumer: ConsumerRecord, audit: ConsumerRecord?,
                      producerExit: Int32 = 0) throws -> SoakReport {
        let final = try JSONDecoder().decode(MSKLocalCountersSnapshot.self, from: Data(SoakReportFixture.snapshot(distinctAccessKeys: 2).utf8))
        return SoakReport.judging(startedAt: Date(timeIntervalSince1970: 0), settings: settings, producer: [producer], consumer: [.init(t: 5, record: consumer)],
                                  broker: [], rebalances: [], final: final, faults: [], producerExit: producerExit, consumerExit: 0, audit: audit)
    }

    @Test func everythingDeliveredReadAndStoredPasses() throws {
        let report = try Self.judge(producer: Self.producer(sent: 100, delivered: 100), consumer: Self.consumer(unique: 100, committedAhead: 0),
                                    audit: Self.consumer(unique: 100))
        #expect(report.passed, "\(report.problems)")
        #expect(report.startedAt == "1970-01-01T00:00:00Z")
        #expect(report.totals.credentialRotations == 2 && report.totals.inLogUnique == 100)
        #expect(report.notes.contains { $0.contains("every partition's at its last message read") })
    }

    @Test func lossesFailuresAndExitStatusesFailTheRun() throws {
        let report = try Self.judge(producer: Self.producer(sent: 100, delivered: 97, failed: 3), consumer: Self.consumer(unique: 95, missing: 2),
                                    audit: Self.consumer(unique: 97), producerExit: 1)
        #expect(!report.passed)
        #expect(report.problems.contains("producer exited with 1"))
        #expect(report.problems.contains("3 messages failed"))
        #expect(report.problems.contains("2 messages lost"))
        #expect(report.problems.contains("consumed 95 of 97 delivered"))
        #expect(report.problems.contains("the partition logs hold every delivered message: the consumer skipped 2"))
    }

    @Test func committedPastWhatWasReadFailsTheRun() throws {
        let report = try Self.judge(producer: Self.producer(sent: 10, delivered: 10), consumer: Self.consumer(unique: 10, committedAhead: 1),
                                    audit: Self.consumer(unique: 10))
        #expect(report.problems == ["the group's committed offsets of 1 partitions are past the last message read: a restart would skip messages"])
    }

    @Test func duplicatesNeedAnExplanation() throws {
        let unexplained = try Self.judge(producer: Self.producer(sent: 10, delivered: 10), consumer: Self.consumer(unique: 10, duplicates: 2),
                                         audit: Self.consumer(unique: 10, duplicates: 2))
        #expect(unexplained.problems == ["2 messages stored twice without any retried produce or lost producer connection: unexplained"])
        let explained = try Self.judge(producer: Self.producer(sent: 10, delivered: 10, reconnects: 1), consumer: Self.consumer(unique: 10, duplicates: 2),
                                       audit: Self.consumer(unique: 10, duplicates: 2))
        #expect(explained.passed, "\(explained.problems)")
        #expect(explained.notes.contains { $0.hasPrefix("2 messages stored twice;") })
        // Read twice by the group but stored once: at-least-once re-reads, not produced twice,
        // and no explanation needed from the producer.
        let reread = try Self.judge(producer: Self.producer(sent: 10, delivered: 10), consumer: Self.consumer(unique: 10, duplicates: 7),
                                    audit: Self.consumer(unique: 10, duplicates: 0))
        #expect(reread.passed, "\(reread.problems)")
        #expect(reread.notes.contains { $0.hasPrefix("7 messages read again by the consumer that the log holds once") })
        #expect(!reread.notes.contains { $0.contains("stored twice") })
    }

    @Test func anAuditThatDidNotFinishFailsTheRun() throws {
        let report = try Self.judge(producer: Self.producer(sent: 10, delivered: 10), consumer: Self.consumer(unique: 10), audit: nil)
        #expect(report.problems == ["the audit read of the partition logs did not finish"])
    }
}
