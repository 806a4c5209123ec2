import ArgumentParser
import AWSAuth
import Foundation
import Logging
import MSKKafka

/// Where the command-line clients connect and how they authenticate: any bootstrap, with MSK
/// IAM (the AWS default chain, optionally assuming a role) or without SASL.
public struct ConnectionOptions: ParsableArguments, Sendable {
    /// The authentication choices.
    public enum Auth: String, ExpressibleByArgument, CaseIterable, Sendable {
        case none
        case mskIAM = "msk-iam"
    }

    @Option(help: "Bootstrap servers, host:port, comma-separated.")
    public var bootstrapServers: String

    @Option(help: "Authentication: none or msk-iam.")
    public var auth: Auth = .none

    @Option(help: "Region of the cluster (default: AWS_REGION, else us-east-1).")
    public var region: String?

    @Option(help: "Assume this role with credentials from the default chain (msk-iam).")
    public var roleArn: String?

    @Option(help: "STS endpoint override, e.g. msk-local's sts_url.")
    public var stsEndpoint: String?

    @Option(help: "Lifetime of each MSK IAM token, in seconds (1...900).")
    public var tokenLifetime = 900

    @Flag(help: "Use TLS (SASL_SSL with msk-iam).")
    public var tls = false

    @Option(help: "CA bundle for TLS.")
    public var caLocation: String?

    /// Options parsed from the command line.
    public init() {}

    /// The bootstrap servers as a list.
    public var bootstrapList: [String] { bootstrapServers.split(separator: ",").map(String.init) }

    /// `--region`, else `AWS_REGION`, else `us-east-1`.
    public var resolvedRegion: String { region ?? ProcessInfo.processInfo.environment["AWS_REGION"] ?? "us-east-1" }

    /// The connection these options describe, as client `clientID` (with statistics every
    /// `statisticsInterval`, if given), and the credential cache behind its authentication
    /// (msk-iam only).
    public func connection(clientID: String, statisticsInterval: Duration? = nil, logger: Logger)
        throws -> (credentials: RefreshingCredentialCache?, connection: KafkaConnectionConfiguration) {
        let (credentials, authentication) = try authentication(logger: logger)
        let connection = KafkaConnectionConfiguration(bootstrapServers: bootstrapList, authentication: authentication, tls: tls, caLocation: caLocation,
                                                      clientID: clientID, statisticsInterval: statisticsInterval)
        return (credentials, connection)
    }

    private func authentication(logger: Logger) throws -> (RefreshingCredentialCache?, KafkaAuthentication) {
        guard auth == .mskIAM else { return (nil, .none) }
        let chain = DefaultCredentialChain.make(region: resolvedRegion)
        var provider: any AWSCredentialProvider = chain
        if let roleArn {
            guard stsEndpoint == nil || URL(string: stsEndpoint!) != nil else { throw ValidationError("--sts-endpoint '\(stsEndpoint!)' is not a URL") }
            provider = try STSAssumeRoleCredentialProvider(roleARN: roleArn, roleSessionName: "kafka-soak", sourceCredentials: chain,
                                                           region: resolvedRegion, endpoint: stsEndpoint.flatMap { URL(string: $0) })
        }
        let cache = try RefreshingCredentialCache(provider: provider, logger: logger)
        return (cache, try .mskIAM(region: resolvedRegion, credentials: cache, expiresIn: tokenLifetime))
    }
}
