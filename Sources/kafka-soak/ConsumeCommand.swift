import ArgumentParser
import Foundation
import KafkaCommandLine
import KafkaSoak
import Logging
import MSKKafka
import Histogram
import Synchronization

/// `kafka-soak consume`: reads soak messages and accounts for every one (gaps, duplicates,
/// corruption, order per stream, end-to-end latency); JSON progress lines and a summary;
/// exits non-zero on any loss or corruption.
struct ConsumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Consume soak messages and check every sequence; JSON progress lines and summary on stdout; non-zero exit on loss or corruption."
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "Topic.")
    var topic = "soak"

    @Option(help: "Consumer group id.")
    var groupId = "kafka-soak"

    @Option(help: "Read partitions 0..<N of the topic by assignment instead of joining the group (no rebalancing).")
    var partitions: Int?

    @Option(help: "Members of the consumer group this process runs, each its own client with its own connections (group mode); one account of the messages.")
    var members = 1

    @Option(help: "The group's session timeout (session.timeout.ms), seconds.")
    var sessionTimeout: Double = 45

    @Option(help: "Stop once this many streams have sent their end marker and arrived complete.")
    var expectStreams: Int?

    @Option(help: "Stop after this many seconds at most.")
    var duration: Double?

    @Option(help: "Stop after this many seconds without a message, once at least one stream has ended.")
    var idleTimeout: Double = 60

    @Option(help: "Seconds between progress lines.")
    var progressEvery: Double = 5

    @Flag(help: "Audit mode: report what the log holds in the summary line and exit 0; the caller judges (no FAILED line of its own).")
    var audit = false

    @Option(help: "Log level for the client's own logs (stderr).")
    var logLevel = "critical"

    func run() async throws {
        var logger = Logger(label: "kafka-soak.consume")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .critical
        let (_, kafka) = try connection.connection(clientID: "swift-msk-kafka", statisticsInterval: .seconds(1), logger: logger)
        let groupMode = partitions == nil
        var configuration = KafkaConsumerConfiguration(connection: kafka, groupID: groupId,
                                                       sessionTimeout: .milliseconds(Int64(sessionTimeout * 1000)))
        // In a group, commit what was handed over, as a service would (at least once).
        if groupMode { configuration.commitMode = .automatic() }
        // Heartbeats a sixth of the session apart (librdkafka's default is 3 s): with a 6-s
        // session, a heartbeat lost with a connection that ended would otherwise leave one more
        // before the member is evicted, and every eviction is a rebalance.
        configuration.additionalProperties["heartbeat.interval.ms"] = String(max(500, min(3000, Int(sessionTimeout * 1000) / 6)))
        guard members >= 1, members == 1 || groupMode else {
            throw ValidationError("--members \(members): a group needs at least one member, and reading by assignment (--partitions) has exactly one")
        }
        let consumers = try (0..<members).map { _ in try KafkaConsumer(configuration: configuration, logger: logger) }
        for consumer in consumers {
            if let partitions {
                try consumer.assign((0..<partitions).map { (topic: topic, partition: Int32($0), offset: KafkaConsumer.beginning) })
            } else {
                try consumer.subscribe(topics: [topic])
            }
        }

        let shared = ConsumeShared()
        let start = ContinuousClock.now
        let readers = consumers.enumerated().map { member, consumer in Task {
            for await event in consumer.events {
                switch event {
                case .message(let message):
                    let now = Int64(Date().timeIntervalSince1970 * 1000)
                    shared.state.withLock { state in
                        state.verifier.record(message.value, receivedMs: now)
                        state.lastMessage = ContinuousClock.now
                        if state.firstOffsets[message.partition] == nil { state.firstOffsets[message.partition] = message.offset }
                        state.lastOffsets[message.partition] = max(state.lastOffsets[message.partition] ?? -1, message.offset)
                    }
                case .rebalance(let rebalance):
                    shared.state.withLock { $0.rebalances += 1 }
                    let kind = switch rebalance.kind {
                    case .assigned: "assigned"
                    case .revoked: "revoked"
                    case .lost: "lost"
                    }
                    emitJSONLine(RebalanceRecord(kind: kind, partitions: rebalance.partitions.map(\.partition), member: members > 1 ? member : nil))
                    // Automatic commits: what was handed over is committed; let the partitions go.
                    rebalance.acknowledge()
                }
            }
        } }
        var previous = (consumed: 0, at: start)
        func record(_ type: String) -> ConsumerRecord {
            let now = ContinuousClock.now
            let interval = (now - previous.at) / .seconds(1)
            let result = shared.state.withLock { state in
                let verifier = state.verifier
                defer { state.verifier.resetInterval() }
                return ConsumerRecord(
                    type: type, elapsedS: (now - start) / .seconds(1), consumed: verifier.consumed, unique: verifier.uniqueCount,
                    duplicates: verifier.duplicates, corrupted: verifier.corrupted, outOfOrder: verifier.outOfOrder, missing: verifier.missing,
                    streams: verifier.streams.count, endedStreams: verifier.ends.count,
                    rate: interval > 0 ? Double(verifier.consumed - previous.consumed) / interval : 0,
                    intervalP50Ms: Self.percentile(verifier.intervalLatency, 50), intervalP99Ms: Self.percentile(verifier.intervalLatency, 99),
                    p50Ms: Self.percentile(verifier.latency, 50), p90Ms: Self.percentile(verifier.latency, 90),
                    p99Ms: Self.percentile(verifier.latency, 99), p999Ms: Self.percentile(verifier.latency, 99.9),
                    maxMs: verifier.latency.totalCount == 0 ? 0 : Int64(verifier.latency.max),
                    tokenRefreshes: consumers.reduce(0) { $0 + $1.counters.tokenRefreshes.value },
                    reconnects: consumers.reduce(0) { $0 + $1.counters.reconnects.value }, rssBytes: residentMemoryBytes(),
                    truncatedPartitions: state.firstOffsets.values.filter { $0 > 0 }.count,
                    rebalances: groupMode ? state.rebalances : nil
                )
            }
            previous = (result.consumed, now)
            return result
        }

        var nextProgress = start + .milliseconds(Int64(progressEvery * 1000))
        let hardEnd = duration.map { start + .milliseconds(Int64($0 * 1000)) }
        while true {
            try await Task.sleep(for: .milliseconds(200))
            let now = ContinuousClock.now
            if now >= nextProgress {
                nextProgress = now + .milliseconds(Int64(progressEvery * 1000))
                let line = record("progress")
                emitJSONLine(line)
                emitText(String(format: "[%6.1fs] consumed %d (%.0f/s) unique %d missing %d duplicates %d corrupted %d out-of-order %d latency p50 %d ms p99 %d ms ended %d/%d",
                                line.elapsedS, line.consumed, line.rate, line.unique, line.missing, line.duplicates, line.corrupted, line.outOfOrder,
                                line.intervalP50Ms, line.intervalP99Ms, line.endedStreams, expectStreams ?? line.streams))
            }
            let (complete, ended, idle) = shared.state.withLock { state -> (Bool, Int, Duration) in
                let ends = state.verifier.ends
                let complete = !ends.isEmpty && ends.keys.allSatisfy { state.verifier.isComplete($0) }
                return (complete, ends.count, now - (state.lastMessage ?? start))
            }
            if let expectStreams, ended >= expectStreams, complete { break }
            if let hardEnd, now >= hardEnd { break }
            if ended > 0, idle > .milliseconds(Int64(idleTimeout * 1000)) { break }
        }
        var summary = record("summary")
        if groupMode {
            // Where a restart of the group would begin: the committed offsets against what was
            // read. Each member commits what it holds; the group's offsets are one set.
            for consumer in consumers { try? consumer.commit() }
            let lastOffsets = shared.state.withLock { $0.lastOffsets }
            let read = Dictionary(uniqueKeysWithValues: lastOffsets.map { (KafkaTopicPartition(topic: topic, partition: $0.key), $0.value) })
            if let committed = try? consumers[0].committed(Array(read.keys)) {
                summary.committedAhead = read.filter { (committed[$0.key] ?? -1) > $0.value + 1 }.count
                summary.committedBehind = read.filter { (committed[$0.key] ?? -1) < $0.value + 1 }.count
            }
        }
        for consumer in consumers { consumer.close() }
        for reader in readers { reader.cancel() }
        emitJSONLine(summary)
        var problems: [String] = []
        if summary.missing > 0 { problems.append("\(summary.missing) missing") }
        if let ahead = summary.committedAhead, ahead > 0 { problems.append("\(ahead) partitions committed past the last message read (a restart would skip messages)") }
        if summary.corrupted > 0 { problems.append("\(summary.corrupted) corrupted") }
        if let expectStreams, summary.endedStreams < expectStreams { problems.append("\(summary.endedStreams) of \(expectStreams) streams ended") }
        if summary.missing > 0, let truncated = summary.truncatedPartitions, truncated > 0 {
            // A partition whose first message read is above offset 0 had (read from the
            // beginning) lost its oldest messages to retention before this reader came.
            problems.append("the first message read from \(truncated) partitions was above offset 0: retention may account for missing ones")
        }
        if audit {
            let truncated = summary.truncatedPartitions ?? 0
            emitText(truncated > 0
                ? "audit partial: \(truncated) partitions had lost their oldest messages to retention; \(summary.unique) messages found"
                : "audit complete: \(summary.unique) messages found, \(summary.missing) missing")
            return
        }
        if !problems.isEmpty {
            emitText("FAILED: " + problems.joined(separator: ", "))
            for line in shared.state.withLock({ $0.verifier.gapSummary() }) { emitText("missing \(line)") }
            throw ExitCode(1)
        }
    }

    static func percentile(_ histogram: Histogram<UInt64>, _ percent: Double) -> Int64 {
        histogram.totalCount == 0 ? 0 : Int64(histogram.valueAtPercentile(percent))
    }
}

/// The verifier and counters shared by the reading task and the main loop.
final class ConsumeShared: Sendable {
    struct State {
        var verifier = SoakVerifier()
        var lastMessage: ContinuousClock.Instant?
        /// The offset of the first message read from each partition.
        var firstOffsets: [Int32: Int64] = [:]
        /// The offset of the last (highest) message read from each partition.
        var lastOffsets: [Int32: Int64] = [:]
        var rebalances = 0
    }

    let state = Mutex(State())
}


