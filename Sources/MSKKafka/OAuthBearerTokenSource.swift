import AWSAuth

/// Where OAUTHBEARER tokens come from, and the clock their lifetimes are read against.
///
/// ``KafkaAuthentication/mskIAM(region:credentials:expiresIn:stsEndpoint:)`` builds one
/// for MSK IAM; any other issuer fits by minting ``OAuthBearerToken``s.
public struct OAuthBearerTokenSource: Sendable {
    /// Mints a token. May do I/O: it is only ever called from a background task, never from
    /// librdkafka's threads.
    public var token: @Sendable () async throws -> OAuthBearerToken
    /// Mints a token at once without any I/O or waiting, or returns `nil` when it cannot (no
    /// valid credentials in memory). Called on librdkafka's thread when it asks for a token, so
    /// that refreshes never depend on the application's task scheduling.
    public var immediateToken: (@Sendable () -> OAuthBearerToken?)?
    /// Signals after which a new token should be pushed at once (credential rotations).
    public var rotations: (@Sendable () -> AsyncStream<Void>)?
    /// Who the tokens authenticate as (for MSK IAM: STS `GetCallerIdentity` with the signing
    /// credentials), asked once at start when the client's `logCallerIdentity` is on.
    public var callerIdentity: (@Sendable () async throws -> AWSCallerIdentity)?
    /// The time tokens are minted at and their lifetimes are measured against: the client
    /// schedules each refresh, and its backoff after a failure, on this clock. The system clock
    /// in production; AWSAuthTesting's `ManualWallClock` in tests, which then run hours of
    /// refreshes without waiting.
    public var clock: any WallClock

    /// Creates a source.
    public init(token: @escaping @Sendable () async throws -> OAuthBearerToken, immediateToken: (@Sendable () -> OAuthBearerToken?)? = nil,
                rotations: (@Sendable () -> AsyncStream<Void>)? = nil, callerIdentity: (@Sendable () async throws -> AWSCallerIdentity)? = nil,
                clock: any WallClock = SystemWallClock()) {
        self.token = token
        self.immediateToken = immediateToken
        self.rotations = rotations
        self.callerIdentity = callerIdentity
        self.clock = clock
    }
}
