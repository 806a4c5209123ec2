import ArgumentParser
import AWSAuth
import Foundation
import KafkaCommandLine
import KafkaSoak
import Logging
import MSKLocal
import Synchronization

/// `kafka-soak drive`: a whole soak run. Starts msk-local (in this process) with short
/// lifetimes and periodic faults, runs `kafka-soak produce` and `kafka-soak consume` as
/// separate processes through its IAM gateway (AssumeRole at its STS), samples everything, and
/// writes `report.json` and a self-contained `report.html`. Exits non-zero on any loss.
struct DriveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drive",
        abstract: "Run a soak against msk-local with faults: producer and consumer as separate processes; writes report.json and report.html."
    )

    @Option(help: "Seconds of production.")
    var duration: Double = 120
    @Option(help: "Messages per second.")
    var rate: Double = 500
    @Option(help: "Message size in bytes.")
    var size = 200
    @Option(help: "Streams (keys) of the producer, stream s on partition s % partitions (default: one per partition).")
    var streams: Int?
    @Option(help: "Upstream brokers.")
    var brokers = 3
    @Option(help: "Partitions of the soak topic (default: at least 6, and enough that none outgrows the mock's 5 MiB retention during the run).")
    var partitions: Int?
    @Option(help: "How the soak's consumer reads: group (a consumer group, as services do) or assign (the partitions by assignment).")
    var consumerMode: ConsumerMode = .group
    @Option(help: "Members of the consumer group (group mode), each its own client in the consumer process.")
    var consumers = 3
    @Option(help: "The consumer group's session timeout, seconds (default: 6 with tokens shorter than a minute, else 45; see the note in DriveCommand).")
    var sessionTimeout: Double?
    @Option(help: "MSK IAM token lifetime, seconds.")
    var tokenLifetime = 10
    @Option(help: "Lifetime of the credentials msk-local's STS issues, seconds.")
    var credentialLifetime = 30
    @Option(help: "Order the producer keeps: per-key (the library's default: librdkafka has the whole delivery budget, a key's later messages wait for its failed ones) or none (each timed-out attempt produced again, after later messages).")
    var ordering: SoakOrdering = .perKey
    @Option(help: "librdkafka message.timeout.ms of the producer, seconds.")
    var messageTimeout: Double = 10
    @Option(help: "Drop every connection every N seconds (0: never).")
    var dropEvery: Double = 20
    @Option(help: "Take a broker down every N seconds (0: never) ...")
    var brokerOutageEvery: Double = 45
    @Option(help: "... for this long (beyond the message timeout, so the retry layer works).")
    var brokerOutageLength: Double = 12
    @Option(help: "Make STS unavailable every N seconds (0: never) ...")
    var stsOutageEvery: Double = 60
    @Option(help: "... for this long.")
    var stsOutageLength: Double = 20
    @Option(help: "Refuse one authentication every N seconds (0: never).")
    var rejectEvery: Double = 30
    @Option(help: "Seconds between samples (and the children's progress lines).")
    var sampleEvery: Double = 2
    @Option(help: "Log level of the producer's and the consumer's client logs (stderr, prefixed): trace, debug, info, notice, warning, error, critical.")
    var clientLogLevel = "critical"
    @Option(help: "Directory for report.json and report.html.")
    var out = "soak-report"
    @Option(help: ArgumentHelp("An IAM policy msk-local enforces: FILE for every principal, or ROLE_ARN=FILE (repeatable); denials go into report.json.",
                               valueName: "[ARN=]FILE"))
    var policy: [String] = []

    func run() async throws {
        let layout: SoakLayout
        let faultSchedule: FaultSchedule
        do {
            layout = try SoakLayout.choose(streams: streams, partitions: partitions, duration: duration, rate: rate, size: size)
            // 0 is this command's "never"; msk-local's is leaving the option out.
            func every(_ seconds: Double) -> Double? { seconds == 0 ? nil : seconds }
            faultSchedule = try FaultSchedule(seconds: every(dropEvery), brokerOutageEvery: every(brokerOutageEvery), brokerOutageLength: brokerOutageLength,
                                              stsOutageEvery: every(stsOutageEvery), stsOutageLength: stsOutageLength, rejectEvery: every(rejectEvery))
        } catch let error as SoakLayout.Refusal {
            throw ValidationError(error.description)
        } catch let error as FaultSchedule.OutOfRange {
            throw ValidationError(error.description)
        }
        guard consumerMode == .assign || (1...layout.partitions).contains(consumers) else {
            throw ValidationError("--consumers \(consumers): a group of 1 to \(layout.partitions) members (one per partition at most, or some would idle)")
        }
        let (streams, partitions) = (layout.streams, layout.partitions)
        let startedAt = Date()
        let begin = ContinuousClock.now
        @Sendable func now() -> Double { (ContinuousClock.now - begin) / .seconds(1) }

        var configuration = MSKLocalConfiguration()
        configuration.brokers = brokers
        configuration.topics = [(name: "soak", partitions: partitions)]
        configuration.maximumCredentialLifetime = credentialLifetime
        var quiet = Logger(label: "msk-local")
        quiet.logLevel = .critical
        configuration.logger = quiet
        configuration.faultSchedule = faultSchedule
        PolicyArgument.apply(try policy.map { try PolicyArgument($0) }, to: &configuration)
        let local = try await MSKLocalServer.start(configuration)
        emitText("msk-local: gateway \(local.endpoints.bootstrapServers), STS \(local.endpoints.stsURL)")

        // The children find credentials through the default chain's environment source, then
        // assume msk-local's role at its STS: the same path a service on MSK takes.
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
        environment["AWS_ACCESS_KEY_ID"] = local.endpoints.accessKeyID
        environment["AWS_SECRET_ACCESS_KEY"] = local.endpoints.secretAccessKey
        environment["AWS_REGION"] = local.endpoints.region
        environment["AWS_EC2_METADATA_DISABLED"] = "true"
        let common = ["--bootstrap-servers", local.endpoints.bootstrapServers, "--auth", "msk-iam", "--role-arn", local.endpoints.roleARNs[0],
                      "--sts-endpoint", local.endpoints.stsURL, "--token-lifetime", String(tokenLifetime), "--topic", "soak",
                      "--progress-every", String(sampleEvery), "--log-level", clientLogLevel]
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let collected = Collected()

        let consumer = try ChildRun(name: "consumer", executable: executable,
                                    arguments: ["consume"] + common + (consumerMode == .assign ? ["--partitions", String(partitions)]
                                                   : ["--group-id", "kafka-soak", "--members", String(consumers), "--session-timeout", String(groupSessionTimeout)])
                                        + ["--expect-streams", String(streams), "--idle-timeout", "120", "--duration", String(duration + 600)],
                                    environment: environment) { line in
            if let record = try? JSONDecoder().decode(ConsumerRecord.self, from: Data(line.utf8)) {
                collected.state.withLock { $0.consumer.append(.init(t: now(), record: record)) }
            } else if let rebalance = try? JSONDecoder().decode(RebalanceRecord.self, from: Data(line.utf8)), rebalance.type == "rebalance" {
                collected.state.withLock { $0.rebalances.append(.init(t: now(), record: rebalance)) }
            }
        }
        let producer = try ChildRun(name: "producer", executable: executable,
                                    arguments: ["produce"] + common + ["--duration", String(duration), "--rate", String(rate), "--size", String(size),
                                                                       "--streams", String(streams), "--partitions", String(partitions), "--producer-id", "soak", "--message-timeout", String(messageTimeout), "--ordering", ordering.rawValue],
                                    environment: environment) { line in
            if let record = try? JSONDecoder().decode(ProducerRecord.self, from: Data(line.utf8)) {
                collected.state.withLock { $0.producer.append(.init(t: now(), record: record)) }
            }
        }
        let sampler = Task {
            while (try? await Task.sleep(for: .milliseconds(Int64(sampleEvery * 1000)))) != nil {
                let snapshot = local.counters.snapshot
                collected.state.withLock { $0.broker.append(.init(t: now(), record: snapshot)) }
            }
        }

        let producerExit = await producer.wait(timeout: .seconds(Int64(duration) + 600))
        let consumerExit = await consumer.wait(timeout: .seconds(300))
        sampler.cancel()
        let audit = try await auditLog(local, executable: executable, environment: environment, layout: layout)
        let finalCounters = local.counters.snapshot
        let beginMs = startedAt.timeIntervalSince1970 * 1000
        let faults = local.events.events().map { SoakReport.Timed(t: (Double($0.timeMs) - beginMs) / 1000, record: $0) }
        let authorization = local.authorizer.isEnforcing
            ? SoakReport.Authorization(decisions: local.authorizer.decisions, denials: local.authorizer.denials(since: 0).denials) : nil
        await local.shutdown()

        let series = collected.state.withLock { $0 }
        var report = SoakReport.judging(startedAt: startedAt, settings: settings(layout: layout), producer: series.producer, consumer: series.consumer,
                                        broker: series.broker, rebalances: series.rebalances, final: finalCounters, faults: faults,
                                        producerExit: producerExit, consumerExit: consumerExit, audit: audit)
        report.consumerMode = consumerMode.rawValue
        if consumerMode == .group {
            report.groupMembers = consumers
            report.notes.insert("consumer group of \(consumers) members in one consumer process, one account of the messages; "
                                + "session timeout \(groupSessionTimeout.formatted()) s", at: 0)
        }
        report.audit = audit.map { ($0.truncatedPartitions ?? 0) > 0 ? "partial" : "complete" } ?? "not read"
        if let authorization {
            report.authorization = authorization
            let denied = authorization.decisions.filter { $0.outcome == "denied" }
            let total = denied.reduce(0) { $0 + $1.count }
            report.notes.append(total == 0 ? "policy in force: no request was denied"
                : "policy in force: \(total) requests denied — " + denied.prefix(5).map { "\($0.action) on \($0.resource) ×\($0.count)" }.joined(separator: "; "))
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try encoder.encode(report).write(to: URL(fileURLWithPath: out).appendingPathComponent("report.json"))
        try Data(SoakReportPage(report: report).html.utf8).write(to: URL(fileURLWithPath: out).appendingPathComponent("report.html"))

        emitJSONLine(report.totals)
        emitText("report: \(out)/report.html — \(report.passed ? "PASSED" : "FAILED: " + report.problems.joined(separator: "; "))")
        if !report.passed { throw ExitCode(1) }
    }

    /// The consumer group's session timeout. librdkafka 2.0.2's mock cluster completes a
    /// rebalance only after waiting the session timeout less a second (a broker completes it
    /// once every member has rejoined), and librdkafka 2.0.2 cannot re-authenticate an open
    /// connection (KIP-368): msk-local ends each connection when its token does. With 10-s
    /// tokens and the default 45 s, every rejoin outlasted its connection and was sent again on
    /// the next, which restarted the wait — a group that never settled and consumed nothing
    /// more (seen in the dense and the hour-long soaks). 6 s, Kafka's smallest allowed, fits a
    /// rebalance into a 10-s session; services with 15-minute tokens keep the default.
    var groupSessionTimeout: Double {
        sessionTimeout ?? (tokenLifetime < 60 ? 6 : 45)
    }

    private func settings(layout: SoakLayout) -> SoakReport.Settings {
        SoakReport.Settings(
            durationS: duration, rate: rate, size: size, streams: layout.streams, brokers: brokers, partitions: layout.partitions, tokenLifetimeS: tokenLifetime,
            credentialLifetimeS: credentialLifetime, messageTimeoutS: messageTimeout, dropEveryS: dropEvery > 0 ? dropEvery : nil,
            brokerOutageEveryS: brokerOutageEvery > 0 ? brokerOutageEvery : nil, brokerOutageLengthS: brokerOutageLength,
            stsOutageEveryS: stsOutageEvery > 0 ? stsOutageEvery : nil, stsOutageLengthS: stsOutageLength, rejectEveryS: rejectEvery > 0 ? rejectEvery : nil,
            command: (["kafka-soak"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
        )
    }
}

extension DriveCommand {
    /// Reads the whole topic again over msk-local's raw listeners (no gateway, no IAM) once the
    /// run is over: the broker's own account of what it stored. Its summary, or nil when the
    /// reader printed none.
    func auditLog(_ local: MSKLocalServer, executable: URL, environment: [String: String], layout: SoakLayout) async throws -> ConsumerRecord? {
        let summary = Mutex<ConsumerRecord?>(nil)
        let reader = try ChildRun(name: "audit", executable: executable,
                                  arguments: ["consume", "--bootstrap-servers", local.endpoints.rawBootstrapServers, "--auth", "none", "--topic", "soak",
                                              "--group-id", "kafka-soak-audit", "--partitions", String(layout.partitions), "--expect-streams", String(layout.streams),
                                              "--idle-timeout", "20", "--duration", "600", "--progress-every", "30", "--audit"],
                                  environment: environment) { line in
            if let record = try? JSONDecoder().decode(ConsumerRecord.self, from: Data(line.utf8)), record.type == "summary" {
                summary.withLock { $0 = record }
            }
        }
        _ = await reader.wait(timeout: .seconds(630))
        return summary.withLock { $0 }
    }
}

/// What the driver collects while the run goes on.
final class Collected: Sendable {
    struct State {
        var producer: [SoakReport.Timed<ProducerRecord>] = []
        var consumer: [SoakReport.Timed<ConsumerRecord>] = []
        var broker: [SoakReport.Timed<MSKLocalCountersSnapshot>] = []
        var rebalances: [SoakReport.Timed<RebalanceRecord>] = []
    }

    let state = Mutex(State())
}

/// How `kafka-soak drive`'s consumer reads.
enum ConsumerMode: String, ExpressibleByArgument, CaseIterable {
    case group
    case assign
}
