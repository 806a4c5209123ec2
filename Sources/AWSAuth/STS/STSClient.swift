import Foundation

/// A minimal client for the STS Query API: form-encoded POST, `Version=2011-06-15`, XML answers.
struct STSClient: Sendable {
    static let apiVersion = "2011-06-15"
    /// STS's answers are a few kilobytes; anything past this is not parsed.
    static let maximumResponseBytes = 1 << 20

    let endpoint: URL
    let region: String
    let transport: any HTTPTransport
    let timeout: Duration

    /// `https://sts.<region>.amazonaws.com` (`.amazonaws.com.cn` for the China regions), or
    /// `override` (which may be plain HTTP: tests and local stand-ins). Without an override, only
    /// HTTPS is ever used.
    init(region: String, endpointOverride: URL?, transport: any HTTPTransport, timeout: Duration) throws(STSError) {
        if let endpointOverride {
            guard let scheme = endpointOverride.scheme?.lowercased(), scheme == "https" || scheme == "http", endpointOverride.host != nil else {
                throw .invalidParameter(name: "endpoint", reason: "'\(endpointOverride.absoluteString)' is not an http(s) URL")
            }
            endpoint = endpointOverride
        } else {
            let domain = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
            guard let url = URL(string: "https://sts.\(region).\(domain)/"), !region.isEmpty else {
                throw .invalidParameter(name: "region", reason: "'\(region)' is not a region")
            }
            endpoint = url
        }
        self.region = region
        self.transport = transport
        self.timeout = timeout
    }

    /// Calls `action` with `parameters`; signs with `credentials` when given.
    func call(action: String, parameters: [(String, String)], signingWith credentials: AWSCredentials?, at date: Date) async throws(STSError) -> STSResponse {
        var form = [("Action", action), ("Version", Self.apiVersion)]
        form.append(contentsOf: parameters)
        let body = form.map { SigV4Encoding.encode($0.0) + "=" + SigV4Encoding.encode($0.1) }.joined(separator: "&")
        var request = HTTPRequest(
            method: "POST",
            url: endpoint,
            headers: ["Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Accept": "text/xml"],
            body: Data(body.utf8),
            timeout: timeout
        )
        if let credentials {
            request = SigV4Signer(credentials: credentials, region: region, service: "sts").signHeaders(request, date: date)
        }
        let response: HTTPResponse
        do {
            response = try await transport.send(request)
        } catch let error as HTTPTransportError {
            throw .transport(action: action, underlying: error)
        } catch {
            throw .transport(action: action, underlying: .connectionFailed(url: endpoint.absoluteString, reason: "\(error)"))
        }
        guard response.body.count <= Self.maximumResponseBytes else {
            throw .malformedResponse(action: action, status: response.status, reason: "the body has \(response.body.count) bytes, more than an STS answer ever has")
        }
        let parsed = STSResponse.parse(response.body)
        guard (200..<300).contains(response.status) else {
            if let parsed, let code = parsed.fields["Code"] {
                throw .service(action: action, code: code, message: parsed.fields["Message"] ?? "", requestID: parsed.fields["RequestId"], status: response.status)
            }
            throw .malformedResponse(action: action, status: response.status, reason: "HTTP \(response.status) without an STS error document")
        }
        guard let parsed else {
            throw .malformedResponse(action: action, status: response.status, reason: "the body is not XML")
        }
        return parsed
    }

    static func validateDuration(_ seconds: Int?) throws(STSError) {
        if let seconds, !(900...43_200).contains(seconds) {
            throw .invalidParameter(name: "DurationSeconds", reason: "\(seconds) is outside 900...43200")
        }
    }

    /// A role session name that stays the same for the life of the provider (the broker refuses
    /// re-authentication as a different principal): `swift-msk-kafka-<host>`, cleaned to the
    /// characters STS allows and at most 64 of them.
    static func defaultRoleSessionName() -> String {
        let host = ProcessInfo.processInfo.hostName
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+=,.@-_")
        let cleaned = String(host.filter { allowed.contains($0) }.prefix(48))
        return cleaned.isEmpty ? "swift-msk-kafka" : "swift-msk-kafka-\(cleaned)"
    }
}
