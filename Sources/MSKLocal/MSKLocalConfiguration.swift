import AWSAuth
import Foundation
import Logging

/// How msk-local is set up. Every default suits a test on one machine.
public struct MSKLocalConfiguration: Sendable {
    /// The address every listener binds to.
    public var host = "127.0.0.1"
    /// Upstream mock brokers (and gateway listeners).
    public var brokers = 3
    /// Gateway listener ports, one per broker; missing entries (or 0) are ephemeral.
    public var gatewayPorts: [Int] = []
    /// TLS on the gateway's listeners (clients use `SASL_SSL`).
    public var tls = false
    /// PEM certificate (chain) and private key for TLS; when absent, a self-signed certificate
    /// for 127.0.0.1 is generated with `openssl` at start.
    public var tlsCertificatePath: String?
    /// See ``tlsCertificatePath``.
    public var tlsPrivateKeyPath: String?
    /// The port of the HTTP endpoints (STS, IMDS, ECS, control); 0 is ephemeral.
    public var httpPort = 0
    /// The region tokens must be signed for.
    public var region = "us-east-1"
    /// The long-term key STS accepts as caller credentials (and the gateway as a token signer).
    public var sourceCredentials = AWSCredentials(accessKeyID: "AKIAMSKLOCALSOURCE01", secretAccessKey: "msk-local/source/secret/not/a/real/key/00")
    /// Roles STS lets callers assume.
    public var roleARNs = ["arn:aws:iam::\(CredentialRegistry.accountID):role/msk-local-client"]
    /// The smallest `DurationSeconds` STS accepts (AWS: 900).
    public var minimumDurationSeconds = 900
    /// A cap on the lifetime of credentials STS issues, whatever was asked (`nil`: none).
    public var maximumCredentialLifetime: Int?
    /// The role IMDS and ECS serve credentials of.
    public var instanceRoleName = "msk-local-instance"
    /// The lifetime of IMDS and ECS credentials, in seconds.
    public var instanceCredentialLifetime = 3600
    /// The `Authorization` value the ECS endpoint demands (`nil`: none).
    public var containerAuthorizationToken: String?
    /// What one client connection may make the gateway hold, and for how long.
    public var gatewayLimits = GatewayLimits()
    /// A file msk-local keeps a web identity token in (rotated at half its lifetime), for
    /// IRSA-style clients (`AWS_WEB_IDENTITY_TOKEN_FILE`); `nil`: none.
    public var webIdentityTokenFile: String?
    /// The lifetime of the tokens in ``webIdentityTokenFile``, in seconds.
    public var webIdentityTokenLifetime = 3600
    /// How far in the future a token's `X-Amz-Date` may be.
    public var allowedClockSkew: TimeInterval = 300
    /// The shortest session a token may open, in seconds; a token whose credentials end sooner
    /// is refused with MSK's "Session too short" (``MSKTokenValidator/minimumSessionLifetime``).
    public var minimumSessionLifetime: TimeInterval = 2
    /// The cluster's name and uuid, as they appear in its ARN and its topics', groups' and
    /// transactional ids' ARNs (``MSKResources``).
    public var clusterName = "msk-local"
    /// See ``clusterName``: MSK's form, a uuid and a revision.
    public var clusterUUID = "6b1e3c1a-0d2f-4c7e-9a55-1f0c2d3e4b5a-1"
    /// The policy of every principal without one of its own; with neither this nor
    /// ``policies``, every request is allowed (as MSK allows nothing, set one to test a policy).
    public var defaultPolicy: IAMPolicy?
    /// Policies by IAM role ARN (applying to every session of the role) or user ARN.
    public var policies: [String: IAMPolicy] = [:]
    /// Topics created at start: name and partition count.
    public var topics: [(name: String, partitions: Int)] = []
    /// Faults applied periodically while running (soak runs).
    public var faultSchedule = FaultSchedule()
    /// Where msk-local logs.
    public var logger = Logger(label: "msk-local")

    /// The defaults.
    public init() {}

    /// The most partitions a topic may have here: each costs the mock cluster memory up front,
    /// and two billion of them abort it inside its allocator.
    public static let maximumPartitions = 10_000

    func validate() throws(MSKLocalError) {
        guard (1...16).contains(brokers) else { throw .invalidConfiguration(name: "brokers", reason: "\(brokers) is outside 1...16") }
        guard (1...43_200).contains(minimumDurationSeconds) else {
            throw .invalidConfiguration(name: "minimumDurationSeconds", reason: "\(minimumDurationSeconds) is outside 1...43200")
        }
        if let maximumCredentialLifetime, maximumCredentialLifetime < 1 {
            throw .invalidConfiguration(name: "maximumCredentialLifetime", reason: "\(maximumCredentialLifetime) is not positive")
        }
        guard instanceCredentialLifetime >= 1 else {
            throw .invalidConfiguration(name: "instanceCredentialLifetime", reason: "\(instanceCredentialLifetime) is not positive")
        }
        guard !roleARNs.isEmpty, roleARNs.allSatisfy({ $0.hasPrefix("arn:aws:iam::") && $0.contains(":role/") }) else {
            throw .invalidConfiguration(name: "roleARNs", reason: "every entry must be arn:aws:iam::<account>:role/<name>")
        }
        guard (tlsCertificatePath == nil) == (tlsPrivateKeyPath == nil) else {
            throw .invalidConfiguration(name: "tls", reason: "give both a certificate and a private key, or neither")
        }
        for topic in topics where topic.name.isEmpty || !(1...Self.maximumPartitions).contains(topic.partitions) {
            throw .invalidConfiguration(name: "topics", reason: "'\(topic.name)' needs a name and 1...\(Self.maximumPartitions) partitions")
        }
        guard allowedClockSkew.isFinite, (0...86_400).contains(allowedClockSkew) else {
            throw .invalidConfiguration(name: "allowedClockSkew", reason: "\(allowedClockSkew) is outside 0...86400 seconds")
        }
        guard minimumSessionLifetime.isFinite, (0...3_600).contains(minimumSessionLifetime) else {
            throw .invalidConfiguration(name: "minimumSessionLifetime", reason: "\(minimumSessionLifetime) is outside 0...3600 seconds")
        }
        guard (2...86_400).contains(webIdentityTokenLifetime) else {
            throw .invalidConfiguration(name: "webIdentityTokenLifetime", reason: "\(webIdentityTokenLifetime) is outside 2...86400")
        }
        for (name, value) in [("clusterName", clusterName), ("clusterUUID", clusterUUID)] {
            guard (1...64).contains(value.utf8.count), value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
                throw .invalidConfiguration(name: name, reason: "'\(value.prefix(64))' must be 1 to 64 letters, digits or '-'")
            }
        }
        for arn in policies.keys where ControlAPI.policyARNProblem(arn) != nil {
            throw .invalidConfiguration(name: "policies", reason: "'\(arn.prefix(128))' is not an IAM role or user ARN")
        }
        try gatewayLimits.validate()
        try faultSchedule.validate()
    }
}
