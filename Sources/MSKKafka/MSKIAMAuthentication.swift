import AWSAuth
import Foundation
import MSKAuth

extension KafkaAuthentication {
    /// MSK IAM: OAUTHBEARER tokens signed for `region` with `credentials` (share one
    /// `RefreshingCredentialCache`; its rotations trigger an immediate fresh token).
    ///
    /// Tokens are signed at the time of the cache's `clock`, and the client schedules their
    /// refreshes on it: give the cache AWSAuthTesting's `ManualWallClock` and the whole token
    /// path runs on it.
    ///
    /// `stsEndpoint` is where ``KafkaConnectionConfiguration/logCallerIdentity`` asks STS who the
    /// credentials belong to: `https://sts.<region>.amazonaws.com` unless overridden (msk-local's
    /// `sts_url` in tests). Nothing else uses it; tokens are signed without any network call.
    /// - Throws: `MSKIAMTokenError` for an invalid region or expiry.
    public static func mskIAM(region: String, credentials: RefreshingCredentialCache, expiresIn: Int = MSKIAMTokenSigner.maximumExpiry,
                              stsEndpoint: URL? = nil) throws -> KafkaAuthentication {
        let clock = credentials.clock
        let provider = try MSKIAMTokenProvider(region: region, credentials: credentials, expiresIn: expiresIn, clock: clock)
        let signer = provider.signer
        return .oauthBearer(OAuthBearerTokenSource(
            token: { OAuthBearerToken(try await provider.token()) },
            immediateToken: {
                // Signing costs microseconds and currentCredentials() never waits: safe on
                // librdkafka's thread, and independent of how busy the application's tasks are.
                guard let current = try? credentials.currentCredentials() else { return nil }
                return (try? signer.token(for: current, at: clock.now())).map { OAuthBearerToken($0) }
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
            },
            clock: clock
        ))
    }

    /// MSK IAM with the default chain's credentials behind a cache of their own.
    static func mskDefaultChain(region: String) throws -> KafkaAuthentication {
        let cache = try RefreshingCredentialCache(provider: DefaultCredentialChain.make(region: region))
        return try .mskIAM(region: region, credentials: cache)
    }
}

extension OAuthBearerToken {
    /// The MSK IAM token as an OAUTHBEARER token: its value and lifetime, the access key id as
    /// the principal name, no extensions (MSK uses none).
    public init(_ token: MSKIAMToken) {
        self.init(value: token.value, lifetimeMs: token.lifetimeMs, principalName: token.principal)
    }
}

extension OAuthBearerTokenSource {
    /// A source minting MSK IAM tokens, as before ``OAuthBearerToken`` existed.
    @available(*, deprecated, message: "mint OAuthBearerToken; an MSKIAMToken converts with OAuthBearerToken(_:)")
    public init(token: @escaping @Sendable () async throws -> MSKIAMToken, immediateToken: (@Sendable () -> MSKIAMToken?)? = nil,
                rotations: (@Sendable () -> AsyncStream<Void>)? = nil, callerIdentity: (@Sendable () async throws -> AWSCallerIdentity)? = nil) {
        var immediate: (@Sendable () -> OAuthBearerToken?)?
        if let immediateToken {
            immediate = { immediateToken().map { OAuthBearerToken($0) } }
        }
        self.init(token: { OAuthBearerToken(try await token()) }, immediateToken: immediate, rotations: rotations, callerIdentity: callerIdentity)
    }
}
