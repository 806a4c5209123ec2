import Foundation

/// Credentials from STS `AssumeRoleWithWebIdentity` — EKS IAM Roles for Service Accounts.
///
/// The token file is read again on every refresh: Kubernetes rotates it (hourly by default),
/// and a token read once at start-up expires under a long-running service.
public struct STSWebIdentityCredentialProvider: AWSCredentialProvider {
    public var name: String { "sts-web-identity(\(roleARN))" }

    /// The role to assume.
    public let roleARN: String
    /// The file holding the OIDC token.
    public let webIdentityTokenFile: String
    /// The role session name used on every call.
    public let roleSessionName: String
    private let client: STSClient
    private let durationSeconds: Int?
    private let clock: any WallClock

    /// Creates the provider. See ``STSAssumeRoleCredentialProvider/init(roleARN:roleSessionName:sourceCredentials:region:endpoint:durationSeconds:externalID:policy:transport:timeout:clock:)``
    /// for the shared parameters.
    public init(
        roleARN: String,
        webIdentityTokenFile: String,
        roleSessionName: String? = nil,
        region: String,
        endpoint: URL? = nil,
        durationSeconds: Int? = nil,
        transport: any HTTPTransport = URLSessionHTTPTransport(),
        timeout: Duration = .seconds(10),
        clock: any WallClock = SystemWallClock()
    ) throws(STSError) {
        try STSClient.validateDuration(durationSeconds)
        self.roleARN = roleARN
        self.webIdentityTokenFile = webIdentityTokenFile
        self.roleSessionName = roleSessionName ?? STSClient.defaultRoleSessionName()
        self.client = try STSClient(region: region, endpointOverride: endpoint, transport: transport, timeout: timeout)
        self.durationSeconds = durationSeconds
        self.clock = clock
    }

    /// The provider EKS configures through `AWS_ROLE_ARN`, `AWS_WEB_IDENTITY_TOKEN_FILE`,
    /// `AWS_ROLE_SESSION_NAME` and `AWS_REGION` / `AWS_DEFAULT_REGION`; `nil` when the first two
    /// are not both set.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment,
        defaultRegion: String? = nil,
        endpoint: URL? = nil,
        transport: any HTTPTransport = URLSessionHTTPTransport(),
        clock: any WallClock = SystemWallClock()
    ) throws(STSError) -> STSWebIdentityCredentialProvider? {
        guard let roleARN = environment["AWS_ROLE_ARN"], !roleARN.isEmpty,
              let tokenFile = environment["AWS_WEB_IDENTITY_TOKEN_FILE"], !tokenFile.isEmpty else { return nil }
        guard let region = environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? defaultRegion else {
            throw .invalidParameter(name: "region", reason: "AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE are set but neither AWS_REGION nor AWS_DEFAULT_REGION is")
        }
        return try STSWebIdentityCredentialProvider(
            roleARN: roleARN, webIdentityTokenFile: tokenFile, roleSessionName: environment["AWS_ROLE_SESSION_NAME"],
            region: region, endpoint: endpoint, transport: transport, clock: clock
        )
    }

    public func credentials() async throws -> AWSCredentials {
        let token: String
        do {
            token = try String(contentsOfFile: webIdentityTokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw STSError.unreadableWebIdentityTokenFile(path: webIdentityTokenFile, reason: "\((error as NSError).localizedDescription)")
        }
        guard !token.isEmpty else { throw STSError.unreadableWebIdentityTokenFile(path: webIdentityTokenFile, reason: "the file is empty") }
        var parameters = [("RoleArn", roleARN), ("RoleSessionName", roleSessionName), ("WebIdentityToken", token)]
        if let durationSeconds { parameters.append(("DurationSeconds", String(durationSeconds))) }
        let response = try await client.call(action: "AssumeRoleWithWebIdentity", parameters: parameters, signingWith: nil, at: clock.now())
        return try response.credentials(action: "AssumeRoleWithWebIdentity", status: 200)
    }
}
