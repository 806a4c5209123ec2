import ArgumentParser
import CRawProducer
import CRdKafka
import Foundation
import KafkaCommandLine
import Logging
import MSKKafka
import MSKKafkaTesting
import Synchronization

/// Producer throughput: plain librdkafka in C, then the Swift ``KafkaProducer``, same settings,
/// same in-process mock cluster, one after the other in one run.
struct ProducerBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "producer",
        abstract: "msgs/s and MB/s of the Swift producer (both APIs) vs raw librdkafka (C) on librdkafka's mock cluster, plus peak memory of each."
    )

    @Option(help: "Messages per run.")
    var messages = 300_000

    @Option(help: "Rounds per size; each implementation runs once per round, and medians are reported.")
    var rounds = 3

    @Option(parsing: .upToNextOption, help: "Message sizes in bytes.")
    var sizes: [Int] = [100, 1024]

    @Option(help: "Run one implementation only (used internally to measure each one's memory in its own process): c (each message names its topic and librdkafka copies its value, as in librdkafka's examples), c-handle (to a topic handle, rd_kafka_produce), c-nocopy (as c, but librdkafka points to the one payload buffer instead of copying it), swift (enqueue, outcomes on the events stream), swift-failures (the same with reportsDeliveries off: failures only, deliveries counted), swift-completion (enqueue with a completion handler per message), swift-keyed (as swift, each message with one of 1,000 keys, ordering .none) or swift-per-key (as swift-keyed, under ordering .perKey). The other Swift paths run with the library's default ordering (.perKey).")
    var only: String?

    @Option(help: "Bootstrap servers of an existing cluster (used internally).")
    var bootstrap: String?

    @Flag(help: "Give every run a mock cluster of its own, started fresh inside the child process, instead of one shared cluster for all runs (whose logs and connections carry over from run to run).")
    var freshCluster = false

    @Option(help: "Messages in flight at most, for both: librdkafka's queue.buffering.max.messages for C, the buffer bound for Swift (which sets librdkafka's queue a little above it). With a million, whichever producer runs ahead can pile up that many on the mock brokers, which then slow down 2-4×; 100,000 (the library's default buffer) avoids that, and makes both wait for room.")
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
            // A cluster of its own when none is given (handy under a profiler).
            let ownCluster = bootstrap == nil ? try BenchCluster() : nil
            let bootstrap = bootstrap ?? ownCluster!.bootstrap
            let size = sizes.first ?? 100
            let outcome: Outcome
            switch only {
            case "c": outcome = try runC(bootstrap: bootstrap, size: size, topicHandle: false, copy: true)
            case "c-handle": outcome = try runC(bootstrap: bootstrap, size: size, topicHandle: true, copy: true)
            case "c-nocopy": outcome = try runC(bootstrap: bootstrap, size: size, topicHandle: false, copy: false)
            case "swift": outcome = try await runSwift(bootstrap: bootstrap, size: size, mode: .events)
            case "swift-failures": outcome = try await runSwift(bootstrap: bootstrap, size: size, mode: .failuresOnly)
            case "swift-completion": outcome = try await runSwift(bootstrap: bootstrap, size: size, mode: .completion)
            case "swift-keyed": outcome = try await runSwift(bootstrap: bootstrap, size: size, mode: .events, keyed: true, ordering: KafkaProducerConfiguration.Ordering.none)
            case "swift-per-key": outcome = try await runSwift(bootstrap: bootstrap, size: size, mode: .events, keyed: true, ordering: .perKey)
            default: throw ValidationError("--only takes c, c-handle, c-nocopy, swift, swift-failures, swift-completion, swift-keyed or swift-per-key")
            }
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
            print("\(outcome.seconds) \(outcome.delivered) \(usage.ru_maxrss) \(cpu) \(outcome.loopCPUSeconds)")
            withExtendedLifetime(ownCluster) {}
            return
        }
        let cluster = try BenchCluster()
        print("kafka-bench producer: \(messages) messages per run, librdkafka \(String(cString: rd_kafka_version_str())), "
              + (freshCluster ? "a fresh mock cluster in each run's process" : "mock cluster \(cluster.bootstrap), shared by all runs"))
        print("settings: " + Self.settings(inFlight: inFlight, idempotence: idempotence).map { "\($0.0)=\($0.1)" }.joined(separator: " "))
        print("\(rounds) rounds per size, the implementations in turn; ratios of medians, then the median of the rounds' own ratios with a 95% bootstrap interval (each round's in brackets)")
        for size in sizes {
            let names = ["c", "c-handle", "c-nocopy", "swift", "swift-failures", "swift-completion", "swift-keyed", "swift-per-key"]
            var runs: [String: [Run]] = [:]
            for round in 0..<rounds {
                // Rotate who goes first: the mock cluster warms up over a run.
                for offset in 0..<names.count {
                    let name = names[(round + offset) % names.count]
                    runs[name, default: []].append(try child(name, bootstrap: cluster.bootstrap, size: size))
                }
            }
            func median(_ name: String, _ value: (Run) -> Double) -> Double {
                let values = runs[name, default: []].map(value).filter { !$0.isNaN }.sorted()
                return values.isEmpty ? .nan : values[values.count / 2]
            }
            /// `name`'s throughput ratio to `reference` (of the median runs; then the median of the
            /// rounds' own ratios with its bootstrap interval, and each round's), and its CPU,
            /// producing thread's CPU and peak memory as multiples of the reference's.
            func ratios(_ name: String, to reference: String) -> String {
                let each = zip(runs[reference, default: []], runs[name, default: []]).map { String(format: "%.2f", $0.seconds / $1.seconds) }
                let perRound = PairedRatioEstimate(reference: runs[reference, default: []].map(\.seconds), candidate: runs[name, default: []].map(\.seconds))
                    .map { String(format: "per round %.3f, %.0f%% CI %.3f-%.3f", $0.ratio, $0.confidence * 100, $0.low, $0.high) } ?? "per round: no estimate"
                return String(format: "throughput %.3f (%@) [%@], CPU %.2f, producing thread %.2f, peak RSS %.2f",
                              median(reference) { $0.seconds } / median(name) { $0.seconds }, perRound, each.joined(separator: " "),
                              median(name) { $0.cpuSeconds } / median(reference) { $0.cpuSeconds },
                              median(name) { $0.loopCPUSeconds } / median(reference) { $0.loopCPUSeconds },
                              median(name) { Double($0.maxRSSKiB) } / median(reference) { Double($0.maxRSSKiB) })
            }
            for (name, label) in [("c", "c               "), ("c-handle", "c (topic handle)"), ("c-nocopy", "c (no copy)     "), ("swift", "swift (events)  "), ("swift-failures", "swift (failures)"), ("swift-completion", "swift-completion"),
                                  ("swift-keyed", "swift (keyed)   "), ("swift-per-key", "swift (per-key) ")] {
                let seconds = median(name) { $0.seconds }, rss = median(name) { Double($0.maxRSSKiB) }, cpu = median(name) { $0.cpuSeconds }
                let loop = median(name) { $0.loopCPUSeconds }
                let rate = Double(messages) / seconds
                let delivered = runs[name, default: []].map(\.delivered).min() ?? 0
                var line = String(format: "%@ %5d B: %9.0f msgs/s %7.1f MB/s  CPU %5.0f ns/msg (producing thread %4.0f)  peak RSS %6.1f MiB  (min delivered %d)",
                                  label, size, rate, rate * Double(size) / 1e6, cpu / Double(messages) * 1e9, loop / Double(messages) * 1e9, rss / 1024, delivered)
                if name != "c" { line += "\n    to c:                  " + ratios(name, to: "c") }
                if name.hasPrefix("swift") {
                    line += "\n    to c (topic handle):   " + ratios(name, to: "c-handle")
                    line += "\n    to c (no copy):        " + ratios(name, to: "c-nocopy")
                }
                // The policy's cost: the same keyed messages with it off, in the same rounds.
                if name == "swift-per-key" { line += "\n    to swift (keyed):      " + ratios(name, to: "swift-keyed") }
                print(line)
            }
        }
    }

    /// One child's run: wall time from the first produce to the last report, peak RSS, the CPU
    /// time of the whole process (librdkafka's threads included) and of the producing thread
    /// during its loop (what the caller pays, delivery reports served in between included: a
    /// figure the mock cluster's ups and downs barely touch).
    private struct Run { var seconds: Double; var delivered: Int; var maxRSSKiB: Int; var cpuSeconds: Double; var loopCPUSeconds: Double }

    /// What one implementation's run measured.
    private struct Outcome { var seconds: Double; var delivered: Int; var loopCPUSeconds: Double }

    /// Runs one implementation in a child process of this executable, so each one's peak
    /// memory is its own.
    private func child(_ implementation: String, bootstrap: String, size: Int) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        if !FileManager.default.isExecutableFile(atPath: process.executableURL!.path) {
            process.executableURL = Bundle.main.executableURL
        }
        process.arguments = ["producer", "--only", implementation, "--messages", String(messages), "--sizes", String(size), "--in-flight", String(inFlight), "--idempotence", String(idempotence)]
            + (freshCluster ? [] : ["--bootstrap", bootstrap])
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let fields = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isWhitespace)
        guard process.terminationStatus == 0, fields.count == 5, let seconds = Double(fields[0]), let delivered = Int(fields[1]), let rss = Int(fields[2]),
              let cpu = Double(fields[3]), let loop = Double(fields[4]) else {
            throw ValidationError("the \(implementation) run failed: \(String(decoding: data, as: UTF8.self))")
        }
        return Run(seconds: seconds, delivered: delivered, maxRSSKiB: rss, cpuSeconds: cpu, loopCPUSeconds: loop)
    }

    private func runC(bootstrap: String, size: Int, topicHandle: Bool, copy: Bool) throws -> Outcome {
        var result = withCProperties([("bootstrap.servers", bootstrap)] + Self.settings(inFlight: inFlight, idempotence: idempotence)) {
            raw_producer_run($0.baseAddress, $0.count, "bench", messages, size, topicHandle ? 1 : 0, copy ? 1 : 0)
        }
        let error = withUnsafeBytes(of: &result.error) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        guard error.isEmpty else { throw ValidationError("raw producer: \(error)") }
        return Outcome(seconds: result.seconds, delivered: result.delivered, loopCPUSeconds: result.loop_cpu_seconds)
    }

    /// The producing loop, with outcomes read from the events stream by a task of their own
    /// (as a service would), or counted by a completion handler per message.
    /// How the Swift run learns its outcomes.
    private enum Mode {
        /// ``KafkaProducer/enqueue(_:)``; a report per delivered message on the events stream.
        case events
        /// ``KafkaProducer/enqueue(_:)`` with `reportsDeliveries` off: the stream carries failures
        /// only and deliveries are counted — what the C program does.
        case failuresOnly
        /// ``KafkaProducer/enqueue(_:completion:)``.
        case completion
    }

    /// `ordering` nil: the library's default.
    private func runSwift(bootstrap: String, size: Int, mode: Mode, keyed: Bool = false,
                          ordering: KafkaProducerConfiguration.Ordering? = nil) async throws -> Outcome {
        var logger = Logger(label: "kafka-bench")
        logger.logLevel = .error
        var configuration = KafkaProducerConfiguration(
            connection: KafkaConnectionConfiguration(bootstrapServers: [bootstrap], clientID: "kafka-bench"),
            idempotence: idempotence, linger: .milliseconds(5), batchSize: 1_000_000,
            delivery: .init(maxBufferedMessages: inFlight, maxBufferedBytes: 1 << 30, reportsDeliveries: mode != .failuresOnly),
            additionalProperties: ["log_level": "3"]
        )
        if let ordering { configuration.delivery.ordering = ordering }
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: size)
        // An atomic, as C's plain increment: the handler's own cost is not the library's.
        let delivered = Atomic(0)
        let reader = Task {
            for await event in producer.events {
                if case .delivered(let reports) = event { delivered.add(reports.count, ordering: .relaxed) }
            }
        }
        // 1,000 keys, made before the clock starts: what is measured is the producer's cost.
        let keys = (0..<1_000).map { Array("key-\($0)".utf8) }
        let start = ContinuousClock.now
        let loopThread = pthread_self(), loopStart = Self.threadCPUSeconds()
        // Two loops rather than a branch per message: the message is built in the call, as a
        // service would write it (a branch made the compiler copy it).
        if mode == .completion {
            for _ in 0..<messages {
                try await producer.enqueue(KafkaProducerMessage(topic: "bench", value: payload)) { result in
                    if case .success = result { delivered.add(1, ordering: .relaxed) }
                }
            }
        } else if keyed {
            for index in 0..<messages {
                try await producer.enqueue(KafkaProducerMessage(topic: "bench", key: keys[index % keys.count], value: payload))
            }
        } else {
            for _ in 0..<messages {
                try await producer.enqueue(KafkaProducerMessage(topic: "bench", value: payload))
            }
        }
        // A loop that suspended (the buffer was full) may have moved to another thread: then
        // its thread's CPU time is unknown.
        let loopCPU = pthread_equal(loopThread, pthread_self()) != 0 ? Self.threadCPUSeconds() - loopStart : .nan
        _ = await producer.flush(timeout: .seconds(600))
        let elapsed = ContinuousClock.now - start
        await producer.shutdown()
        await reader.value
        let count = mode == .failuresOnly ? producer.counters.delivered.value : delivered.load(ordering: .relaxed)
        return Outcome(seconds: elapsed / .seconds(1), delivered: count, loopCPUSeconds: loopCPU)
    }

    private static func threadCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}

/// The benchmark's cluster: 3 mock brokers, topic `bench` with 6 partitions.
private final class BenchCluster {
    let cluster: MockKafkaCluster
    var bootstrap: String { cluster.bootstrapServers }

    init() throws {
        cluster = try MockKafkaCluster(brokers: 3)
        cluster.createTopic("bench", partitions: 6)
    }
}
