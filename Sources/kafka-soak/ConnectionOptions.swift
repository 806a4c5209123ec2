import ArgumentParser
import AWSAuth
import Foundation
import Logging
import MSKKafka

/// Where the soak clients connect and how they authenticate: any bootstrap, with MSK IAM
/// (the AWS default chain, optionally assuming a role) or without SASL.
struct ConnectionOptions: ParsableArguments {
    enum Auth: String, ExpressibleByArgument, CaseIterable {
        case none
        case mskIAM = "msk-iam"
    }

    @Option(help: "Bootstrap servers, host:port, comma-separated.")
    var bootstrapServers: String

    @Option(help: "Authentication: none or msk-iam.")
    var auth: Auth = .none

    @Option(help: "Region of the cluster (default: AWS_REGION, else us-east-1).")
    var region: String?

    @Option(help: "Assume this role with credentials from the default chain (msk-iam).")
    var roleArn: String?

    @Option(help: "STS endpoint override, e.g. msk-local's sts_url.")
    var stsEndpoint: String?

    @Option(help: "Lifetime of each MSK IAM token, in seconds (1...900).")
    var tokenLifetime = 900

    @Flag(help: "Use TLS (SASL_SSL with msk-iam).")
    var tls = false

    @Option(help: "CA bundle for TLS.")
    var caLocation: String?

    @Option(help: "Topic.")
    var topic = "soak"

    var bootstrapList: [String] { bootstrapServers.split(separator: ",").map(String.init) }

    var resolvedRegion: String { region ?? ProcessInfo.processInfo.environment["AWS_REGION"] ?? "us-east-1" }

    /// The credential cache (msk-iam only) and the authentication to configure.
    func authentication(logger: Logger) throws -> (RefreshingCredentialCache?, KafkaAuthentication) {
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

/// The current resident set size of this process, in bytes (Linux `/proc/self/statm`).
func residentMemoryBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// Writes one JSON object per line on stdout (what the soak driver reads), at once.
func emitJSONLine(_ value: some Encodable) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    guard let data = try? encoder.encode(value) else { return }
    FileHandle.standardOutput.write(data + Data("\n".utf8))
}

/// Writes a human-readable line on stderr.
func emitText(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
