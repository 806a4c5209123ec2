import ArgumentParser
import AWSAuth
import Foundation
import Logging
import MSKLocal
import UnixSignals

/// `msk-local`: an offline stand-in for MSK's IAM front door. Prints one JSON line with every
/// endpoint, then serves until interrupted (SIGINT/SIGTERM).
@main
struct MSKLocalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "msk-local",
        abstract: "Run a local MSK stand-in: a SASL/OAUTHBEARER gateway that validates MSK IAM tokens over librdkafka's mock cluster, with local STS, IMDSv2 and ECS endpoints."
    )

    @Option(help: "Upstream mock brokers (and gateway listeners).")
    var brokers = 3

    @Option(help: "Gateway listener ports, comma-separated, one per broker (default: ephemeral).")
    var gatewayPorts: String?

    @Option(help: "Port of the HTTP endpoints: STS, IMDS, ECS, control (default: ephemeral).")
    var httpPort = 0

    @Flag(help: "TLS on the gateway's listeners (clients use SASL_SSL and trust ca_file).")
    var tls = false

    @Option(help: "PEM certificate for TLS (default: a self-signed one for 127.0.0.1, made with openssl).")
    var tlsCertificate: String?

    @Option(help: "PEM private key for --tls-certificate.")
    var tlsKey: String?

    @Option(help: "Region tokens must be signed for.")
    var region = "us-east-1"

    @Option(help: "Topics to create, as name:partitions, comma-separated.")
    var topics: String?

    @Option(help: "Cap on the lifetime of credentials STS issues, in seconds (for fast rotation).")
    var credentialLifetime: Int?

    @Option(help: "Smallest DurationSeconds STS accepts.")
    var minimumDuration = 900

    @Option(help: "Lifetime of IMDS and ECS credentials, in seconds.")
    var instanceCredentialLifetime = 3600

    @Option(help: "Authorization value the ECS endpoint requires.")
    var containerAuthorizationToken: String?

    @Option(help: "Allowed clock skew for token dates, in seconds.")
    var clockSkew: Double = 300

    @Option(help: "Refuse tokens whose credentials end within this many seconds (\"Session too short\").")
    var minimumSessionSeconds: Double = 2

    @Option(help: "Drop every client connection every N seconds.")
    var dropEvery: Double?

    @Option(help: "Take a broker down every N seconds (brokers in turn) ...")
    var brokerOutageEvery: Double?

    @Option(help: "... for this many seconds.")
    var brokerOutageLength: Double = 5

    @Option(help: "Make STS unavailable every N seconds ...")
    var stsOutageEvery: Double?

    @Option(help: "... for this many seconds.")
    var stsOutageLength: Double = 10

    @Option(help: "Refuse --reject-count authentications every N seconds.")
    var rejectEvery: Double?

    @Option(help: "How many authentications each rejection round refuses.")
    var rejectCount = 1

    @Option(help: "Open connections per broker listener; more are closed at once (MSK: 3000 IAM connections per broker).")
    var maxConnectionsPerBroker = 3_000

    @Option(help: "New connections per second per broker; past it authentication is refused as 'Too many connects' (MSK: 20/s; off by default).")
    var maxNewConnectionsPerSecond: Int?

    @Option(help: "Close a connection that has not authenticated this many seconds after it opened.")
    var authenticationTimeout: Double = 30

    @Option(help: "Close a connection with no traffic either way for this many seconds.")
    var idleTimeout: Double = 600

    @Option(help: "Largest request frame, in bytes, once authenticated (before: 512 KiB).")
    var maxFrameSize = 100 * 1024 * 1024

    @Option(help: "Keep a web identity token signed by msk-local's OIDC issuer in this file, rotated at half its lifetime (for AWS_WEB_IDENTITY_TOKEN_FILE).")
    var webIdentityTokenFile: String?

    @Option(help: "Lifetime of the tokens in --web-identity-token-file, in seconds.")
    var webIdentityTokenLifetime = 3600

    @Option(help: "Write shell export lines pointing the AWS default chain at msk-local to this file.")
    var envFile: String?

    @Option(help: ArgumentHelp("An IAM policy: FILE for every principal, or ROLE_ARN=FILE for one role (repeatable). Without it, everything is allowed.",
                               valueName: "[ARN=]FILE"))
    var policy: [String] = []

    @Option(help: ArgumentHelp("Another role STS lets callers assume, arn:aws:iam::111122223333:role/NAME (repeatable).", valueName: "NAME"))
    var role: [String] = []

    @Option(help: "The cluster name in ARNs (policies name topics and groups under it; default msk-local).")
    var clusterName: String?

    @Option(help: "The cluster uuid in ARNs.")
    var clusterUUID: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "notice"

    func run() async throws {
        var configuration = MSKLocalConfiguration()
        configuration.brokers = brokers
        configuration.gatewayPorts = try parsePorts(gatewayPorts)
        configuration.httpPort = httpPort
        configuration.region = region
        configuration.tls = tls || tlsCertificate != nil
        configuration.tlsCertificatePath = tlsCertificate
        configuration.tlsPrivateKeyPath = tlsKey
        configuration.topics = try parseTopics(topics)
        configuration.maximumCredentialLifetime = credentialLifetime
        configuration.minimumDurationSeconds = minimumDuration
        configuration.instanceCredentialLifetime = instanceCredentialLifetime
        configuration.containerAuthorizationToken = containerAuthorizationToken
        configuration.allowedClockSkew = clockSkew
        configuration.minimumSessionLifetime = minimumSessionSeconds
        if let clusterName { configuration.clusterName = clusterName }
        if let clusterUUID { configuration.clusterUUID = clusterUUID }
        for name in role {
            guard (1...64).contains(name.utf8.count), name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+=,.@_-".contains($0)) }) else {
                throw ValidationError("--role '\(name.prefix(64))' is not an IAM role name (1 to 64 of A-Z a-z 0-9 +=,.@_-)")
            }
            configuration.roleARNs.append("arn:aws:iam::\(CredentialRegistry.accountID):role/\(name)")
        }
        PolicyArgument.apply(try policy.map { try PolicyArgument($0) }, to: &configuration)
        configuration.faultSchedule = try faultSchedule()
        configuration.webIdentityTokenFile = webIdentityTokenFile
        configuration.webIdentityTokenLifetime = webIdentityTokenLifetime
        configuration.gatewayLimits.maximumConnectionsPerListener = maxConnectionsPerBroker
        configuration.gatewayLimits.maximumNewConnectionsPerSecond = maxNewConnectionsPerSecond
        configuration.gatewayLimits.authenticationTimeout = try Self.duration(authenticationTimeout, "authentication-timeout")
        configuration.gatewayLimits.idleTimeout = try Self.duration(idleTimeout, "idle-timeout")
        configuration.gatewayLimits.maximumFrameSize = maxFrameSize
        guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("unknown log level '\(logLevel)'") }
        var logger = Logger(label: "msk-local")
        logger.logLevel = level
        configuration.logger = logger

        let local = try await MSKLocalServer.start(configuration)
        if let envFile {
            try local.environmentFile.write(toFile: envFile, atomically: true, encoding: .utf8)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // One line, written at once: scripts read it to learn the endpoints.
        FileHandle.standardOutput.write(try encoder.encode(local.endpoints) + Data("\n".utf8))

        await Self.waitForTermination()
        await local.shutdown()
    }

    private static func duration(_ seconds: Double, _ name: String) throws -> Duration {
        guard seconds.isFinite, seconds > 0, seconds <= 86_400 else { throw ValidationError("--\(name) must be a number of seconds in (0, 86400]") }
        return .milliseconds(Int64(seconds * 1000))
    }

    private func faultSchedule() throws -> FaultSchedule {
        do {
            return try FaultSchedule(seconds: dropEvery, brokerOutageEvery: brokerOutageEvery, brokerOutageLength: brokerOutageLength,
                                     stsOutageEvery: stsOutageEvery, stsOutageLength: stsOutageLength, rejectEvery: rejectEvery, rejectCount: rejectCount)
        } catch {
            throw ValidationError(error.description)
        }
    }

    private func parsePorts(_ text: String?) throws -> [Int] {
        guard let text, !text.isEmpty else { return [] }
        return try text.split(separator: ",").map { part in
            guard let port = Int(part), (0...65_535).contains(port) else { throw ValidationError("'\(part)' is not a port") }
            return port
        }
    }

    private func parseTopics(_ text: String?) throws -> [(name: String, partitions: Int)] {
        guard let text, !text.isEmpty else { return [] }
        return try text.split(separator: ",").map { entry in
            let parts = entry.split(separator: ":")
            guard parts.count <= 2, let name = parts.first.map(String.init), !name.isEmpty else { throw ValidationError("'\(entry)' is not name[:partitions]") }
            let limit = MSKLocalConfiguration.maximumPartitions
            guard let partitions = parts.count == 2 ? Int(parts[1]) : 1, (1...limit).contains(partitions) else {
                throw ValidationError("'\(entry)' needs a partition count in 1...\(limit)")
            }
            return (name, partitions)
        }
    }

    /// Returns on SIGINT or SIGTERM.
    private static func waitForTermination() async {
        for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) { return }
    }
}
