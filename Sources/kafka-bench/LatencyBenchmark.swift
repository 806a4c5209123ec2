import ArgumentParser
import CRdKafka
import Foundation
import KafkaCommandLine

/// Delivery latency at a fixed rate: C and each Swift path produce the same messages at the same
/// pace, in turn, against one mock cluster; each reports p50/p99/p99.9 from a histogram.
struct LatencyBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latency",
        abstract: "Delivery latency (p50/p99/p99.9) at a fixed rate: raw librdkafka (C) and each Swift producer path, side by side in one run."
    )

    @Option(help: "Messages per second. Default: half of the c program's maximum, measured first (3 runs of 1,000,000 messages).")
    var rate: Double?

    @Option(help: "Seconds each run produces for (messages per run = rate × seconds).")
    var seconds = 2.0

    @Option(help: "Message size in bytes.")
    var size = 100

    @Option(help: "Rounds; each path runs once per round, who goes first rotating.")
    var rounds = 5

    @Option(parsing: .upToNextOption, help: "The paths (default: \(BenchPath.latencyPaths.map(\.rawValue).joined(separator: " "))).")
    var paths: [String] = []

    @Option(help: "enable.idempotence for all (as kafka-bench producer).")
    var idempotence = true

    @Option(help: "Run one path only (used internally).")
    var only: String?

    @Option(help: "Bootstrap servers of an existing cluster (used internally).")
    var bootstrap: String?

    /// Every message goes to partition `index % partitions` of the benchmark's topic.
    static let partitions = 6

    /// The producers' bound on messages in flight: the library's default buffer.
    static let inFlight = 100_000

    func run() async throws {
        if let only {
            try await runChild(only)
            return
        }
        let chosen = try (paths.isEmpty ? BenchPath.latencyPaths.map(\.rawValue) : paths).map { name in
            guard let path = BenchPath(rawValue: name), BenchPath.latencyPaths.contains(path) else {
                throw ValidationError("unknown path \(name); paths: \(BenchPath.latencyPaths.map(\.rawValue).joined(separator: ", "))")
            }
            return path
        }
        let cluster = try BenchCluster()
        let rate = try self.rate ?? (measureCMaximum(bootstrap: cluster.bootstrap) / 2)
        let messages = Int(rate * seconds)
        print("kafka-bench latency: \(Int(rate)) msgs/s for \(seconds) s (\(messages) messages of \(size) B per run), librdkafka \(String(cString: rd_kafka_version_str())), mock cluster \(cluster.bootstrap), message i to partition i % \(Self.partitions)")
        print("settings: " + ProducerBenchmark.settings(inFlight: Self.inFlight, idempotence: idempotence).map { "\($0.0)=\($0.1)" }.joined(separator: " "))
        print("latency: from a message's scheduled send time to its delivery report; \(rounds) rounds, medians of the rounds' percentiles; p99 to C: median of the rounds' ratios with a 95% bootstrap interval")
        var runs: [BenchPath: [[Double]]] = [:]
        for round in 0..<rounds {
            for offset in chosen.indices {
                let path = chosen[(round + offset) % chosen.count]
                let fields = try BenchChild.run(["latency", "--only", path.rawValue, "--rate", String(rate), "--seconds", String(seconds),
                                                 "--size", String(size), "--idempotence", String(idempotence), "--bootstrap", cluster.bootstrap])
                guard fields.count == 9 else { throw BenchError("the \(path.rawValue) run printed \(fields)") }
                runs[path, default: []].append(fields)
            }
        }
        for path in chosen {
            print(report(path, runs: runs, messages: messages))
        }
    }

    /// Fields a child prints: seconds, delivered, p50, p99, p99.9, max (µs), startup seconds,
    /// then peak RSS (KiB) and CPU seconds.
    private enum Field: Int { case seconds, delivered, p50, p99, p999, max, startup, rss, cpu }

    private func report(_ path: BenchPath, runs: [BenchPath: [[Double]]], messages: Int) -> String {
        func values(_ path: BenchPath, _ field: Field) -> [Double] { runs[path, default: []].map { $0[field.rawValue] } }
        func median(_ field: Field) -> Double { BenchMedian.of(values(path, field)) }
        var line = String(format: "%@ p50 %7.0f µs  p99 %7.0f µs  p99.9 %7.0f µs  max %7.0f µs  achieved %8.0f msgs/s  CPU %5.0f ns/msg  peak RSS %6.1f MiB  (min delivered %.0f of %d)",
                          path.label.padding(toLength: 19, withPad: " ", startingAt: 0), median(.p50), median(.p99), median(.p999), median(.max),
                          Double(messages) / median(.seconds), median(.cpu) / Double(messages) * 1e9, median(.rss) / 1024,
                          values(path, .delivered).min() ?? 0, messages)
        for reference in [BenchPath.c, .cHandle] where reference != path && runs[reference] != nil {
            // The path's latency over C's: above 1, the path adds latency.
            let p99 = PairedRatioEstimate(reference: values(path, .p99), candidate: values(reference, .p99))
            let p50 = PairedRatioEstimate(reference: values(path, .p50), candidate: values(reference, .p50))
            line += String(format: "\n    to %@: p99 %.2f (95%% CI %.2f-%.2f), p50 %.2f (%.2f-%.2f)", reference.label.padding(toLength: 17, withPad: " ", startingAt: 0),
                           p99?.ratio ?? .nan, p99?.low ?? .nan, p99?.high ?? .nan, p50?.ratio ?? .nan, p50?.low ?? .nan, p50?.high ?? .nan)
        }
        return line
    }

    /// The c program's maximum rate on this cluster: the median of 3 throughput runs.
    private func measureCMaximum(bootstrap: String) throws -> Double {
        var rates: [Double] = []
        for _ in 0..<3 {
            let fields = try BenchChild.run(["producer", "--only", BenchPath.c.rawValue, "--messages", "1000000", "--sizes", String(size),
                                             "--in-flight", String(Self.inFlight), "--idempotence", String(idempotence), "--bootstrap", bootstrap])
            rates.append(1_000_000 / fields[0])
        }
        let maximum = BenchMedian.of(rates)
        print(String(format: "c's maximum: %.0f msgs/s (median of %@)", maximum, rates.map { String(format: "%.0f", $0) }.joined(separator: ", ")))
        return maximum
    }

    private func runChild(_ name: String) async throws {
        guard let path = BenchPath(rawValue: name), let bootstrap, let rate else { throw ValidationError("--only needs a path, --bootstrap and --rate") }
        let count = Int(rate * seconds)
        let log = LatencyLog(count: count)
        let settings = ProducerBenchmark.settings(inFlight: Self.inFlight, idempotence: idempotence)
        let outcome: BenchOutcome
        if path.isC {
            outcome = try CProducerRun.fixedRate(path, bootstrap: bootstrap, settings: settings, count: count, size: size, partitions: Self.partitions, rate: rate, latencies: log.latencies)
        } else {
            outcome = try await SwiftProducerRun(bootstrap: bootstrap, size: size, inFlight: Self.inFlight, idempotence: idempotence)
                .fixedRate(path, count: count, partitions: Self.partitions, rate: rate, log: log)
        }
        let histogram = log.histogram()
        print("\(outcome.seconds) \(outcome.delivered) \(histogram.valueAtPercentile(50)) \(histogram.valueAtPercentile(99)) \(histogram.valueAtPercentile(99.9)) \(histogram.max) \(outcome.startupSeconds) \(BenchChild.processUsage())")
    }
}

/// The middle value of a list (the upper middle for an even count, as the benchmark's medians).
enum BenchMedian {
    static func of(_ values: [Double]) -> Double {
        let sorted = values.filter { !$0.isNaN }.sorted()
        return sorted.isEmpty ? .nan : sorted[sorted.count / 2]
    }
}
