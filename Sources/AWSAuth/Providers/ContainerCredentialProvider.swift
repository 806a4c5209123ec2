import Foundation

/// Credentials from the container credentials endpoint: ECS task roles
/// (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`, served at 169.254.170.2) and EKS Pod Identity or
/// any full URI (`AWS_CONTAINER_CREDENTIALS_FULL_URI`), with the authorization token from
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (re-read on every fetch, it rotates) or
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
public struct ContainerCredentialProvider: AWSCredentialProvider {
    public var name: String { "container" }

    /// Where the credentials are fetched.
    public let url: URL
    private let authorizationToken: String?
    private let authorizationTokenFile: String?
    private let transport: any HTTPTransport
    private let timeout: Duration

    /// Creates a provider for an explicit URL.
    public init(url: URL, authorizationToken: String? = nil, authorizationTokenFile: String? = nil, transport: any HTTPTransport = URLSessionHTTPTransport(), timeout: Duration = .seconds(2)) {
        self.url = url
        self.authorizationToken = authorizationToken
        self.authorizationTokenFile = authorizationTokenFile
        self.transport = transport
        self.timeout = timeout
    }

    /// The provider the environment describes, or `nil` when neither URI variable is set.
    /// - Parameters:
    ///   - environment: Read for the URI and authorization token variables; by default the process's.
    ///   - relativeURIHost: The host for relative URIs (`http://169.254.170.2`); tests override it.
    ///   - transport: The HTTP client for the endpoint.
    /// - Throws: ``CredentialSourceError/misconfigured(source:reason:)`` for a full URI that is
    ///   neither HTTPS nor on a loopback or container-metadata address — credentials are never
    ///   sent in clear to anywhere else.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment,
        relativeURIHost: URL = URL(string: "http://169.254.170.2")!,
        transport: any HTTPTransport = URLSessionHTTPTransport()
    ) throws(CredentialSourceError) -> ContainerCredentialProvider? {
        let token = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        let tokenFile = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        if let relative = environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"], !relative.isEmpty {
            guard let url = URL(string: relativeURIHost.absoluteString + (relative.hasPrefix("/") ? relative : "/" + relative)) else {
                throw .misconfigured(source: "container", reason: "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI '\(relative)' is not a path")
            }
            return ContainerCredentialProvider(url: url, authorizationToken: token, authorizationTokenFile: tokenFile, transport: transport)
        }
        guard let full = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"], !full.isEmpty else { return nil }
        guard let url = URL(string: full), let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased() else {
            throw .misconfigured(source: "container", reason: "AWS_CONTAINER_CREDENTIALS_FULL_URI '\(full)' is not a URL")
        }
        let allowedHTTPHosts: Set<String> = ["localhost", "127.0.0.1", "::1", "[::1]", "169.254.170.2", "169.254.170.23", "fd00:ec2::23", "[fd00:ec2::23]"]
        guard scheme == "https" || (scheme == "http" && (allowedHTTPHosts.contains(host) || host.hasPrefix("127."))) else {
            throw .misconfigured(source: "container", reason: "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https or a loopback/container-metadata address, got \(scheme)://\(host)")
        }
        return ContainerCredentialProvider(url: url, authorizationToken: token, authorizationTokenFile: tokenFile, transport: transport)
    }

    public func credentials() async throws -> AWSCredentials {
        var headers: [String: String] = [:]
        if let authorizationTokenFile {
            do {
                headers["Authorization"] = try String(contentsOfFile: authorizationTokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                throw CredentialSourceError.misconfigured(source: name, reason: "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \(authorizationTokenFile)")
            }
        } else if let authorizationToken {
            headers["Authorization"] = authorizationToken
        }
        let response: HTTPResponse
        do {
            response = try await transport.send(HTTPRequest(method: "GET", url: url, headers: headers, timeout: timeout))
        } catch let error as HTTPTransportError {
            throw CredentialSourceError.unreachable(source: name, step: "credentials", underlying: error)
        }
        guard response.status == 200 else {
            throw CredentialSourceError.badResponse(source: name, step: "credentials", reason: "HTTP \(response.status) from \(url.absoluteString)")
        }
        return try CredentialsDocument.credentials(from: response.body, source: name, step: "credentials", requireExpiration: false)
    }
}

extension ContainerCredentialProvider: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The URL and where the authorization token comes from; never the token.
    public var description: String {
        let token = authorizationTokenFile.map { "file \($0)" } ?? (authorizationToken == nil ? "none" : "<redacted>")
        return "ContainerCredentialProvider(url: \(url), authorization: \(token))"
    }

    /// Same as ``description``.
    public var debugDescription: String { description }

    /// What `dump` and `Mirror` see: the authorization token as `<redacted>`.
    public var customMirror: Mirror {
        Mirror(self, children: [
            "url": url,
            "authorizationToken": authorizationToken.map { _ in "<redacted>" } as Any,
            "authorizationTokenFile": authorizationTokenFile as Any,
        ], displayStyle: .struct)
    }
}
