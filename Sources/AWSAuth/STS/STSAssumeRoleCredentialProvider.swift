import Foundation

/// Credentials from STS `AssumeRole`, signed with a source provider's credentials.
///
/// The role session name is fixed when the provider is made and reused on every refresh: MSK
/// refuses a re-authentication whose principal (the assumed-role ARN, which ends in the
/// session name) differs from the first.
public struct STSAssumeRoleCredentialProvider: AWSCredentialProvider {
    public var name: String { "sts-assume-role(\(roleARN))" }

    /// The role to assume.
    public let roleARN: String
    /// The role session name used on every call.
    public let roleSessionName: String
    private let source: any AWSCredentialProvider
    private let client: STSClient
    private let durationSeconds: Int?
    private let externalID: String?
    private let policy: String?
    private let clock: any WallClock

    /// Creates the provider.
    /// - Parameters:
    ///   - roleARN: The role to assume.
    ///   - roleSessionName: Defaults to a name stable for this host (`swift-msk-kafka-<host>`).
    ///   - sourceCredentials: Who assumes the role (signs the call).
    ///   - region: The STS region; the endpoint is `https://sts.<region>.amazonaws.com`.
    ///   - endpoint: An explicit override (may be `http://` for local stand-ins).
    ///   - durationSeconds: 900...43200, or `nil` for STS's default (one hour).
    ///   - externalID: `ExternalId`, for roles that require one.
    ///   - policy: An inline session policy (JSON).
    ///   - transport: How to reach STS.
    ///   - timeout: Per call.
    ///   - clock: Signing time.
    /// - Throws: ``STSError/invalidParameter(name:reason:)`` for a bad duration, region or endpoint.
    public init(
        roleARN: String,
        roleSessionName: String? = nil,
        sourceCredentials: any AWSCredentialProvider,
        region: String,
        endpoint: URL? = nil,
        durationSeconds: Int? = nil,
        externalID: String? = nil,
        policy: String? = nil,
        transport: any HTTPTransport = URLSessionHTTPTransport(),
        timeout: Duration = .seconds(10),
        clock: any WallClock = SystemWallClock()
    ) throws(STSError) {
        try STSClient.validateDuration(durationSeconds)
        self.roleARN = roleARN
        self.roleSessionName = roleSessionName ?? STSClient.defaultRoleSessionName()
        self.source = sourceCredentials
        self.client = try STSClient(region: region, endpointOverride: endpoint, transport: transport, timeout: timeout)
        self.durationSeconds = durationSeconds
        self.externalID = externalID
        self.policy = policy
        self.clock = clock
    }

    public func credentials() async throws -> AWSCredentials {
        let sourceCredentials = try await source.credentials()
        var parameters = [("RoleArn", roleARN), ("RoleSessionName", roleSessionName)]
        if let durationSeconds { parameters.append(("DurationSeconds", String(durationSeconds))) }
        if let externalID { parameters.append(("ExternalId", externalID)) }
        if let policy { parameters.append(("Policy", policy)) }
        let response = try await client.call(action: "AssumeRole", parameters: parameters, signingWith: sourceCredentials, at: clock.now())
        return try response.credentials(action: "AssumeRole", status: 200)
    }
}
