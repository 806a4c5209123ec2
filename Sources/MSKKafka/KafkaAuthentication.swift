import Foundation
import AWSAuth
import MSKAuth

/// How the client authenticates to the brokers.
public enum KafkaAuthentication: Sendable {
    /// No SASL (`PLAINTEXT`, or `SSL` with ``KafkaConnectionConfiguration/tls``).
    case none
    /// SASL/PLAIN.
    case plain(username: String, password: String)
    /// SASL/SCRAM-SHA-256.
    case scramSHA256(username: String, password: String)
    /// SASL/SCRAM-SHA-512.
    case scramSHA512(username: String, password: String)
    /// SASL/OAUTHBEARER with tokens from `source`.
    case oauthBearer(OAuthBearerTokenSource)

    /// MSK IAM: OAUTHBEARER tokens signed for `region` with `credentials` (share one
    /// `RefreshingCredentialCache`; its rotations trigger an immediate fresh token).
    ///
    /// `stsEndpoint` is where ``KafkaConnectionConfiguration/logCallerIdentity`` asks STS who the
    /// credentials belong to: `https://sts.<region>.amazonaws.com` unless overridden (msk-local's
    /// `sts_url` in tests). Nothing else uses it; tokens are signed without any network call.
    public static func mskIAM(region: String, credentials: RefreshingCredentialCache, expiresIn: Int = MSKIAMTokenSigner.maximumExpiry,
                              stsEndpoint: URL? = nil) throws -> KafkaAuthentication {
        let provider = try MSKIAMTokenProvider(region: region, credentials: credentials, expiresIn: expiresIn)
        let signer = provider.signer
        return .oauthBearer(OAuthBearerTokenSource(
            token: { try await provider.token() },
            immediateToken: {
                // Signing costs microseconds and currentCredentials() never waits: safe on
                // librdkafka's thread, and independent of how busy the application's tasks are.
                guard let current = try? credentials.currentCredentials() else { return nil }
                return try? signer.token(for: current, at: Date())
            },
            rotations: {
                let credentialRotations = credentials.rotations()
                return AsyncStream { continuation in
                    let forwarding = Task {
                        for await _ in credentialRotations { continuation.yield() }
                        continuation.finish()
                    }
                    continuation.onTermination = { _ in forwarding.cancel() }
                }
            },
            callerIdentity: {
                // Made when asked, not here: its URLSession (a curl handle on Linux) is only
                // worth having when logCallerIdentity is on. The very credentials tokens are
                // signed with: the cache's current ones.
                let identity = try STSCallerIdentityClient(region: region, endpoint: stsEndpoint)
                return try await identity.callerIdentity(signingWith: credentials.credentials())
            }
        ))
    }

    /// MSK IAM with the default chain's credentials behind a cache of their own.
    static func mskDefaultChain(region: String) throws -> KafkaAuthentication {
        let cache = try RefreshingCredentialCache(provider: DefaultCredentialChain.make(region: region))
        return try .mskIAM(region: region, credentials: cache)
    }

    func librdkafkaProperties(tls: Bool) -> [(String, String)] {
        func sasl(_ mechanism: String) -> [(String, String)] {
            [("security.protocol", tls ? "SASL_SSL" : "SASL_PLAINTEXT"), ("sasl.mechanisms", mechanism)]
        }
        switch self {
        case .none:
            return [("security.protocol", tls ? "SSL" : "PLAINTEXT")]
        case .plain(let username, let password):
            return sasl("PLAIN") + [("sasl.username", username), ("sasl.password", password)]
        case .scramSHA256(let username, let password):
            return sasl("SCRAM-SHA-256") + [("sasl.username", username), ("sasl.password", password)]
        case .scramSHA512(let username, let password):
            return sasl("SCRAM-SHA-512") + [("sasl.username", username), ("sasl.password", password)]
        case .oauthBearer:
            // `sasl.oauthbearer.method` is left at its default ("default": tokens come from the
            // refresh callback); Debian's 2.0.2 build refuses the property outright (no OIDC).
            return sasl("OAUTHBEARER")
        }
    }

    var tokenSource: OAuthBearerTokenSource? {
        if case .oauthBearer(let source) = self { return source }
        return nil
    }
}

/// Where OAUTHBEARER tokens come from.
public struct OAuthBearerTokenSource: Sendable {
    /// Mints a token. May do I/O: it is only ever called from a background task, never from
    /// librdkafka's threads.
    public var token: @Sendable () async throws -> MSKIAMToken
    /// Mints a token at once without any I/O or waiting, or returns `nil` when it cannot (no
    /// valid credentials in memory). Called on librdkafka's thread when it asks for a token, so
    /// that refreshes never depend on the application's task scheduling.
    public var immediateToken: (@Sendable () -> MSKIAMToken?)?
    /// Signals after which a new token should be pushed at once (credential rotations).
    public var rotations: (@Sendable () -> AsyncStream<Void>)?
    /// Who the tokens authenticate as (for MSK IAM: STS `GetCallerIdentity` with the signing
    /// credentials), asked once at start when the client's `logCallerIdentity` is on.
    public var callerIdentity: (@Sendable () async throws -> AWSCallerIdentity)?

    /// Creates a source.
    public init(token: @escaping @Sendable () async throws -> MSKIAMToken, immediateToken: (@Sendable () -> MSKIAMToken?)? = nil,
                rotations: (@Sendable () -> AsyncStream<Void>)? = nil, callerIdentity: (@Sendable () async throws -> AWSCallerIdentity)? = nil) {
        self.token = token
        self.immediateToken = immediateToken
        self.rotations = rotations
        self.callerIdentity = callerIdentity
    }
}

extension KafkaAuthentication: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The mechanism and user name; passwords are `<redacted>`.
    public var description: String {
        switch self {
        case .none: "none"
        case .plain(let username, _): "plain(username: \(username), password: <redacted>)"
        case .scramSHA256(let username, _): "scramSHA256(username: \(username), password: <redacted>)"
        case .scramSHA512(let username, _): "scramSHA512(username: \(username), password: <redacted>)"
        case .oauthBearer: "oauthBearer"
        }
    }

    /// Same as ``description``: printing a configuration never prints a password.
    public var debugDescription: String { description }

    /// What `dump` and `Mirror` see: no password.
    public var customMirror: Mirror {
        Mirror(self, children: ["mechanism": description], displayStyle: .enum)
    }
}
