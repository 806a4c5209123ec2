import Foundation

/// `report.html`: the verdict, the totals, and charts (throughput, latency, buffer depth,
/// memory, broker-side sessions) with markers for faults, token refreshes and credential
/// rotations. One file, inline SVG and CSS, no scripts.
package struct SoakReportPage {
    package let report: SoakReport

    package init(report: SoakReport) {
        self.report = report
    }

    package static let faultColors = ["drop_connections": "#d62728", "broker_down": "#ff7f0e", "broker_up": "#2ca02c", "sts_down": "#9467bd",
                              "sts_up": "#17becf", "reject_authentications": "#8c564b"]

    package var html: String {
        let xMax = max(report.producer.last?.t ?? 0, report.consumer.last?.t ?? 0, report.settings.durationS)
        let faultMarkers = report.faults.map { SVGLineChart.Marker(x: $0.t, color: Self.faultColors[$0.record.kind] ?? "#7f7f7f", label: "\($0.record.kind) \($0.record.detail)", tall: true) }
        var refreshMarkers: [SVGLineChart.Marker] = []
        for (previous, next) in zip(report.producer, report.producer.dropFirst()) where next.record.tokenRefreshes > previous.record.tokenRefreshes {
            refreshMarkers.append(.init(x: next.t, color: "#2ca02c", label: "\(next.record.tokenRefreshes - previous.record.tokenRefreshes) token refresh(es)", tall: false))
        }
        for (previous, next) in zip(report.broker, report.broker.dropFirst()) where next.record.distinctAccessKeys > previous.record.distinctAccessKeys {
            refreshMarkers.append(.init(x: next.t, color: "#9467bd", label: "credential rotation", tall: false))
        }
        let rebalanceMarkers = report.rebalances.map {
            SVGLineChart.Marker(x: $0.t, color: "#e377c2", label: "rebalance\($0.record.member.map { " (member \($0))" } ?? ""): \($0.record.kind) \($0.record.partitions.map(String.init).joined(separator: ","))", tall: false)
        }
        let progress = report.producer.filter { $0.record.type == "progress" }
        let consumed = report.consumer.filter { $0.record.type == "progress" }
        let charts = [
            SVGLineChart(title: "Throughput (pink ticks: consumer group rebalances)", unit: "messages/s", series: [
                .init(name: "delivered (producer)", color: "#1f77b4", points: progress.map { ($0.t, $0.record.rate) }),
                .init(name: "consumed", color: "#ff7f0e", points: consumed.map { ($0.t, $0.record.rate) }),
            ], markers: faultMarkers + rebalanceMarkers, xMax: xMax),
            SVGLineChart(title: "End-to-end latency (per interval)", unit: "ms", series: [
                .init(name: "p50", color: "#1f77b4", points: consumed.map { ($0.t, Double($0.record.intervalP50Ms)) }),
                .init(name: "p99", color: "#d62728", points: consumed.map { ($0.t, Double($0.record.intervalP99Ms)) }),
            ], markers: faultMarkers, xMax: xMax),
            SVGLineChart(title: "Producer buffer depth (green ticks: token refreshes, purple: credential rotations)", unit: "messages", series: [
                .init(name: "buffered", color: "#1f77b4", points: progress.map { ($0.t, Double($0.record.bufferMessages)) }),
                .init(name: "retries (cumulative)", color: "#8c564b", points: progress.map { ($0.t, Double($0.record.retries)) }),
            ], markers: faultMarkers + refreshMarkers, xMax: xMax),
            SVGLineChart(title: "Resident memory", unit: "MiB", series: [
                .init(name: "producer", color: "#1f77b4", points: progress.map { ($0.t, Double($0.record.rssBytes) / 1_048_576) }),
                .init(name: "consumer", color: "#ff7f0e", points: consumed.map { ($0.t, Double($0.record.rssBytes) / 1_048_576) }),
                .init(name: "producer heap in use", color: "#2ca02c", points: progress.compactMap { p in p.record.heapInUseBytes.map { (p.t, Double($0) / 1_048_576) } }),
                .init(name: "producer heap free, kept", color: "#9467bd", points: progress.compactMap { p in p.record.heapFreeBytes.map { (p.t, Double($0) / 1_048_576) } }),
            ], markers: faultMarkers, xMax: xMax),
            SVGLineChart(title: "Gateway (cumulative)", unit: "count", series: [
                .init(name: "sessions expired", color: "#1f77b4", points: report.broker.map { ($0.t, Double($0.record.sessionsExpired)) }),
                .init(name: "authentications", color: "#2ca02c", points: report.broker.map { ($0.t, Double($0.record.authenticationsSucceeded)) }),
                .init(name: "refused", color: "#d62728", points: report.broker.map { ($0.t, Double($0.record.authenticationsFailed)) }),
            ], markers: faultMarkers, xMax: xMax),
        ]
        let totals = report.totals
        let rows: [(String, String)] = [
            ("sent / delivered / failed", "\(totals.sent) / \(totals.delivered) / \(totals.failed)"),
            ("consumed (unique) / missing / corrupted", "\(totals.consumedUnique) / \(totals.missing) / \(totals.corrupted)"),
            ("in the partition logs after the run (unique) / missing", totals.inLogUnique.map { "\($0) / \(totals.inLogMissing ?? 0)" } ?? "not read"),
            ("duplicates / re-produced / requests retried / out of order", "\(totals.duplicates) / \(totals.retries) / \(totals.requestRetries) / \(totals.outOfOrder)"),
            ("token refreshes (producer + consumer)", "\(totals.tokenRefreshes)"),
            ("credential rotations (distinct access keys)", "\(totals.credentialRotations)"),
            ("forced disconnects / sessions expired", "\(totals.forcedDisconnects) / \(totals.sessionsExpired)"),
            ("authentications ok / refused", "\(totals.authenticationsSucceeded) / \(totals.authenticationsRefused)"),
            ("latency p50 / p99 / max", "\(totals.latencyP50Ms) / \(totals.latencyP99Ms) / \(totals.latencyMaxMs) ms"),
            ("producer RSS at 25 % / end", String(format: "%.1f / %.1f MiB", totals.producerRSSStartMiB, totals.producerRSSEndMiB)),
        ]
        let legend = Self.faultColors.sorted { $0.key < $1.key }.map { "<span style=\"color:\($0.value)\">&#9608; \($0.key)</span>" }.joined(separator: " ")
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>swift-msk-kafka soak \(SVGLineChart.escape(report.startedAt))</title>
        <style>
        body { font: 14px/1.4 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1000px; color: #222; }
        .verdict { font-size: 20px; font-weight: 600; color: \(report.passed ? "#2ca02c" : "#d62728"); }
        table { border-collapse: collapse; margin: 12px 0; } td { padding: 3px 12px 3px 0; } td:first-child { color: #555; }
        .chart { width: 100%; height: auto; margin: 8px 0 16px; } .grid { stroke: #e5e5e5; } .marker { stroke-width: 1; opacity: 0.55; }
        .title { font-weight: 600; font-size: 13px; } .axis, .legend { font-size: 11px; fill: #555; }
        code { background: #f4f4f4; padding: 1px 4px; }
        </style></head><body>
        <h1>swift-msk-kafka soak</h1>
        <p class="verdict">\(report.passed ? "PASSED — nothing lost, nothing corrupted" : "FAILED — " + SVGLineChart.escape(report.problems.joined(separator: "; ")))</p>
        <p>Started \(SVGLineChart.escape(report.startedAt)); \(Int(report.settings.durationS)) s at \(Int(report.settings.rate)) msgs/s of \(report.settings.size) B;
        tokens \(report.settings.tokenLifetimeS) s, credentials \(report.settings.credentialLifetimeS) s; <code>\(SVGLineChart.escape(report.settings.command))</code></p>
        <table>\(rows.map { "<tr><td>\($0.0)</td><td>\($0.1)</td></tr>" }.joined())</table>
        <ul>\(report.notes.map { "<li>\(SVGLineChart.escape($0))</li>" }.joined())</ul>
        <p>Fault markers: \(legend)</p>
        \(charts.map(\.svg).joined(separator: "\n"))
        </body></html>
        """
    }
}
