import ArgumentParser
import CRdKafka
import Foundation
import KafkaCommandLine
import MSKKafkaTesting

/// Producer throughput: plain librdkafka in C and every public path of the Swift
/// ``KafkaProducer``, same settings, same in-process mock cluster, in turn in one run.
struct ProducerBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "producer",
        abstract: "msgs/s of every Swift producer path vs raw librdkafka (C) on librdkafka's mock cluster, plus CPU and peak memory of each."
    )

    @Option(help: "Messages per run.")
    var messages = 300_000

    @Option(help: "Rounds per size; each implementation runs once per round, and medians are reported.")
    var rounds = 3

    @Option(parsing: .upToNextOption, help: "Message sizes in bytes.")
    var sizes: [Int] = [100, 1024]

    @Option(parsing: .upToNextOption, help: "The paths to measure (default: all): \(BenchPath.throughputPaths.map(\.rawValue).joined(separator: ", ")). With --aa, the paths to measure against themselves (default: c swift).")
    var paths: [String] = []

    @Flag(name: .customLong("aa"), help: "A/A calibration: each path of --paths against itself (two runs of the same program per round, which goes first alternating). A trustworthy harness gives 1.00 with a narrow interval.")
    var aa = false

    @Option(help: "Runs of each implementation per round, in turn (A B A B ...); the round keeps each one's fastest. Other work on the machine only ever slows a run down, so the fastest of a few is the least disturbed, and a round's ratio compares like with like. With 1, every run counts.")
    var `repeat` = 1

    @Option(help: "Run one implementation only, by its --paths name (used internally to measure each one's memory in its own process).")
    var only: String?

    @Option(help: "Bootstrap servers of an existing cluster (used internally).")
    var bootstrap: String?

    @Flag(help: "Give every run a mock cluster of its own, started fresh inside the child process, instead of one shared cluster for all runs (whose logs and connections carry over from run to run).")
    var freshCluster = false

    @Option(help: "Messages in flight at most, for both: librdkafka's queue.buffering.max.messages for C, the buffer bound for Swift (which sets librdkafka's queue a little above it).")
    var inFlight = 1_000_000

    @Option(help: "enable.idempotence for both (the library's default is true). With it on, librdkafka 2.0.2's broker threads busy-poll whenever a partition has a batch ready and 5 requests in flight (the idempotent window): on 2 cores that spin competes with both producers for CPU and decides the 1 KiB figures more than either producer does. With it off they wait in poll() instead.")
    var idempotence = true

    /// What both implementations are configured with; in-flight messages are bounded the same
    /// way for both (C waits on QUEUE_FULL, Swift's `enqueue` suspends).
    static func settings(inFlight: Int, idempotence: Bool) -> [(String, String)] {
        [
            ("linger.ms", "5"), ("batch.size", "1000000"), ("acks", "-1"), ("enable.idempotence", String(idempotence)),
            ("queue.buffering.max.messages", String(inFlight)), ("queue.buffering.max.kbytes", "1048576"), ("log_level", "3"),
        ]
    }

    func run() async throws {
        if let only {
            try await runChild(only)
            return
        }
        let chosen = try paths.map { name in
            guard let path = BenchPath(rawValue: name), BenchPath.throughputPaths.contains(path) else {
                throw ValidationError("unknown path \(name); paths: \(BenchPath.throughputPaths.map(\.rawValue).joined(separator: ", "))")
            }
            return path
        }
        let cluster = try BenchCluster()
        print("kafka-bench producer: \(messages) messages per run, librdkafka \(String(cString: rd_kafka_version_str())), "
              + (freshCluster ? "a fresh mock cluster in each run's process" : "mock cluster \(cluster.bootstrap), shared by all runs"))
        print("settings: " + Self.settings(inFlight: inFlight, idempotence: idempotence).map { "\($0.0)=\($0.1)" }.joined(separator: " "))
        print("each run is timed after one warm-up message has been delivered (start-up is shown apart)")
        print("\(rounds) rounds per size" + (`repeat` > 1 ? ", each the fastest of \(`repeat`) runs per implementation" : "") + ", the implementations in turn; ratios of medians, then the median of the rounds' own ratios with a 95% bootstrap interval (each round's in brackets)")
        let table = aa ? ThroughputTable.aa(chosen.isEmpty ? [.c, .swift] : chosen) : ThroughputTable.sideBySide(chosen.isEmpty ? BenchPath.throughputPaths : chosen)
        for size in sizes {
            var runs: [String: [ThroughputRun]] = [:]
            for round in 0..<rounds {
                var fastest: [String: ThroughputRun] = [:]
                for _ in 0..<max(1, `repeat`) {
                    for entry in table.order(round: round) {
                        let run = try child(entry.path, bootstrap: cluster.bootstrap, size: size)
                        if run.seconds < fastest[entry.key]?.seconds ?? .infinity { fastest[entry.key] = run }
                    }
                }
                for (key, run) in fastest { runs[key, default: []].append(run) }
            }
            print(table.report(runs, size: size, messages: messages))
        }
    }

    /// The child's side: one run of one path, its figures on one line.
    private func runChild(_ name: String) async throws {
        guard let path = BenchPath(rawValue: name) else { throw ValidationError("--only takes one of \(BenchPath.allCases.map(\.rawValue).joined(separator: ", "))") }
        // A cluster of its own when none is given (handy under a profiler).
        let ownCluster = bootstrap == nil ? try BenchCluster() : nil
        let bootstrap = bootstrap ?? ownCluster!.bootstrap
        let size = sizes.first ?? 100
        let outcome: BenchOutcome
        if path.isC {
            outcome = try CProducerRun.throughput(path, bootstrap: bootstrap, settings: Self.settings(inFlight: inFlight, idempotence: idempotence), count: messages, size: size)
        } else if path == .awaitFloor10000 {
            outcome = try await AwaitFloorRun.throughput(path, count: messages)
        } else {
            outcome = try await SwiftProducerRun(bootstrap: bootstrap, size: size, inFlight: inFlight, idempotence: idempotence).throughput(path, count: messages)
        }
        print("\(outcome.seconds) \(outcome.delivered) \(outcome.loopCPUSeconds) \(outcome.startupSeconds) \(BenchChild.processUsage())")
        withExtendedLifetime(ownCluster) {}
    }

    private func child(_ path: BenchPath, bootstrap: String, size: Int) throws -> ThroughputRun {
        let fields = try BenchChild.run(["producer", "--only", path.rawValue, "--messages", String(messages), "--sizes", String(size),
                                         "--in-flight", String(inFlight), "--idempotence", String(idempotence)]
                                        + (freshCluster ? [] : ["--bootstrap", bootstrap]))
        guard fields.count == 6 else { throw BenchError("the \(path.rawValue) run printed \(fields)") }
        return ThroughputRun(seconds: fields[0], delivered: Int(fields[1]), loopCPUSeconds: fields[2], startupSeconds: fields[3], maxRSSKiB: fields[4], cpuSeconds: fields[5])
    }
}

/// The benchmark's cluster: 3 mock brokers, topic `bench` with 6 partitions.
final class BenchCluster {
    let cluster: MockKafkaCluster
    var bootstrap: String { cluster.bootstrapServers }

    init() throws {
        cluster = try MockKafkaCluster(brokers: 3)
        cluster.createTopic("bench", partitions: 6)
    }
}
