import Foundation

/// Asks STS who a set of credentials belongs to (`GetCallerIdentity`): the equivalent of
/// `aws sts get-caller-identity`, for logging the principal a client signs as.
///
/// The call is a SigV4-signed form POST like every STS call of this library. It needs no IAM
/// permission: STS answers it for any valid credentials, so a refusal means the credentials
/// themselves are bad (`InvalidClientTokenId`, `SignatureDoesNotMatch`, `ExpiredToken`).
///
/// ```swift
/// let identity = try await STSCallerIdentityClient(region: "eu-west-1").callerIdentity(signingWith: credentials)
/// logger.info("signing as \(identity.arn)")
/// ```
public struct STSCallerIdentityClient: Sendable {
    private let client: STSClient
    private let clock: any WallClock

    /// Creates a client.
    /// - Parameters:
    ///   - region: The STS region; the endpoint is `https://sts.<region>.amazonaws.com`
    ///     (`.amazonaws.com.cn` for `cn-` regions).
    ///   - endpoint: An explicit override (may be `http://` for local stand-ins such as msk-local).
    ///   - transport: How to reach STS.
    ///   - timeout: For the whole call.
    ///   - clock: Signing time.
    /// - Throws: ``STSError/invalidParameter(name:reason:)`` for a bad region or endpoint.
    public init(
        region: String,
        endpoint: URL? = nil,
        transport: any HTTPTransport = URLSessionHTTPTransport(),
        timeout: Duration = .seconds(10),
        clock: any WallClock = SystemWallClock()
    ) throws(STSError) {
        client = try STSClient(region: region, endpointOverride: endpoint, transport: transport, timeout: timeout)
        self.clock = clock
    }

    /// Who `credentials` belong to.
    /// - Throws: ``STSError`` — `service` when STS refuses (its code and message), `transport`
    ///   when it cannot be reached, `malformedResponse` when the answer is not a
    ///   `GetCallerIdentityResult` with a well-formed ARN, 12-digit account and user id. No
    ///   error text contains the secret key or the session token.
    public func callerIdentity(signingWith credentials: AWSCredentials) async throws(STSError) -> AWSCallerIdentity {
        let response = try await client.call(action: "GetCallerIdentity", parameters: [], signingWith: credentials, at: clock.now())
        return try response.callerIdentity(status: 200)
    }
}
