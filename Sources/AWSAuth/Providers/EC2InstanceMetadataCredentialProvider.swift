import Foundation

/// Credentials of the EC2 instance profile, through IMDSv2: a session token from
/// `PUT /latest/api/token`, the role name from `/latest/meta-data/iam/security-credentials/`,
/// then the credentials of that role.
public struct EC2InstanceMetadataCredentialProvider: AWSCredentialProvider {
    public var name: String { "ec2-instance-metadata" }

    /// The IMDS base URL, `http://169.254.169.254` unless overridden.
    public let endpoint: URL
    private let transport: any HTTPTransport
    private let timeout: Duration
    private let disabled: Bool

    /// Creates the provider.
    /// - Parameters:
    ///   - endpoint: Overrides the IMDS address (tests, local stand-ins); by default
    ///     `AWS_EC2_METADATA_SERVICE_ENDPOINT` or `http://169.254.169.254`.
    ///   - environment: Read for `AWS_EC2_METADATA_DISABLED` and the endpoint variable.
    ///   - transport: The HTTP client for IMDS.
    ///   - timeout: Per request; IMDS answers in milliseconds or not at all, so keep it short.
    public init(
        endpoint: URL? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        transport: any HTTPTransport = URLSessionHTTPTransport(),
        timeout: Duration = .seconds(1)
    ) {
        let fromEnvironment = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"].flatMap { URL(string: $0) }
        self.endpoint = endpoint ?? fromEnvironment ?? URL(string: "http://169.254.169.254")!
        self.transport = transport
        self.timeout = timeout
        self.disabled = environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true"
    }

    public func credentials() async throws -> AWSCredentials {
        if disabled { throw CredentialSourceError.notConfigured(source: name, reason: "AWS_EC2_METADATA_DISABLED is true") }
        let tokenResponse = try await send("PUT", "/latest/api/token", headers: ["X-aws-ec2-metadata-token-ttl-seconds": "21600"], step: "session token")
        let token = String(decoding: tokenResponse.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw CredentialSourceError.badResponse(source: name, step: "session token", reason: "empty token") }
        let headers = ["X-aws-ec2-metadata-token": token]

        let roles = try await send("GET", "/latest/meta-data/iam/security-credentials/", headers: headers, step: "role name")
        guard let role = String(decoding: roles.body, as: UTF8.self).split(whereSeparator: \.isNewline).first.map({ $0.trimmingCharacters(in: .whitespaces) }), !role.isEmpty else {
            throw CredentialSourceError.badResponse(source: name, step: "role name", reason: "no instance profile role is attached")
        }
        let encodedRole = SigV4Encoding.encode(role)
        let document = try await send("GET", "/latest/meta-data/iam/security-credentials/\(encodedRole)", headers: headers, step: "credentials of role \(role)")
        return try CredentialsDocument.credentials(from: document.body, source: name, step: "credentials of role \(role)", requireExpiration: true)
    }

    private func send(_ method: String, _ path: String, headers: [String: String], step: String) async throws -> HTTPResponse {
        let url = endpoint.appendingPathComponent(String(path.dropFirst()), isDirectory: path.hasSuffix("/"))
        let response: HTTPResponse
        do {
            response = try await transport.send(HTTPRequest(method: method, url: url, headers: headers, timeout: timeout))
        } catch let error as HTTPTransportError {
            throw CredentialSourceError.unreachable(source: name, step: step, underlying: error)
        }
        guard response.status == 200 else {
            throw CredentialSourceError.badResponse(source: name, step: step, reason: "HTTP \(response.status) from \(url.path)")
        }
        return response
    }
}
