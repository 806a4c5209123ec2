import Crypto
import Foundation

/// Signs requests with AWS Signature Version 4, either in headers (`Authorization`) or in the
/// query string (presigned URLs).
///
/// General purpose: STS calls use ``signHeaders(_:date:)``; the MSK IAM token is a URL made
/// with ``presign(url:method:expires:date:)``. The signing time is always passed in, so that
/// callers with an injected clock (and tests) control it.
///
/// ```swift
/// let signer = SigV4Signer(credentials: credentials, region: "eu-west-1", service: "sts")
/// let signed = signer.signHeaders(request, date: Date())
/// ```
public struct SigV4Signer: Sendable {
    /// The credentials that sign.
    public let credentials: AWSCredentials
    /// The region in the credential scope, e.g. `us-east-1`.
    public let region: String
    /// The signing name of the service, e.g. `sts` or `kafka-cluster`.
    public let service: String

    private let keyCache: SigV4SigningKeyCache
    private let encodedAccessKeyID: String
    private let encodedSessionToken: String?

    /// Creates a signer for one set of credentials, region and service.
    public init(credentials: AWSCredentials, region: String, service: String) {
        self.init(credentials: credentials, region: region, service: service, keyCache: SigV4SigningKeyCache())
    }

    init(credentials: AWSCredentials, region: String, service: String, keyCache: SigV4SigningKeyCache) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.keyCache = keyCache
        self.encodedAccessKeyID = SigV4Encoding.encode(credentials.accessKeyID)
        self.encodedSessionToken = credentials.sessionToken.map { SigV4Encoding.encode($0) }
    }

    /// Signs `request` in its headers.
    ///
    /// Returns the request with `Host`, `X-Amz-Date`, `X-Amz-Security-Token` (for temporary
    /// credentials) and `Authorization` set. Every header present is signed except those that
    /// proxies and clients are known to rewrite (`User-Agent`, `Expect`, `Transfer-Encoding`,
    /// `X-Amzn-Trace-Id`); the payload hash is the SHA-256 of the body.
    public func signHeaders(_ request: HTTPRequest, date: Date) -> HTTPRequest {
        let timestamp = SigV4Timestamp(date)
        var signed = request
        for name in signed.headers.keys where Self.isReplacedOnSigning(name) {
            signed.headers[name] = nil
        }
        signed.headers["Host"] = SigV4CanonicalRequest.hostHeader(for: request.url)
        signed.headers["X-Amz-Date"] = timestamp.dateTime
        if let token = credentials.sessionToken { signed.headers["X-Amz-Security-Token"] = token }

        var canonicalHeaders: [String: String] = [:]
        for (name, value) in signed.headers {
            let lower = name.lowercased()
            guard !Self.unsignedHeaders.contains(lower) else { continue }
            let normalised = value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
            if let existing = canonicalHeaders[lower] {
                canonicalHeaders[lower] = existing + "," + normalised
            } else {
                canonicalHeaders[lower] = normalised
            }
        }
        let components = URLComponents(url: request.url, resolvingAgainstBaseURL: false)
        let canonical = SigV4CanonicalRequest(
            method: request.method.uppercased(),
            canonicalURI: SigV4CanonicalRequest.canonicalURI(percentEncodedPath: components?.percentEncodedPath ?? "/"),
            canonicalQuery: SigV4CanonicalRequest.canonicalQuery(SigV4CanonicalRequest.decodedQuery(components?.percentEncodedQuery)),
            headers: canonicalHeaders.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) },
            payloadHash: SigV4Encoding.hex(SHA256.hash(data: request.body))
        )
        let scope = credentialScope(timestamp)
        let signature = sign(canonical.stringToSign(timestamp: timestamp, scope: scope), timestamp: timestamp)
        signed.headers["Authorization"] = "\(SigV4CanonicalRequest.algorithm) Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(canonical.signedHeaders), Signature=\(signature)"
        return signed
    }

    /// Presigns `url` in its query string, signing only the `host` header.
    ///
    /// The result keeps the URL's own parameters first, in their order, then `X-Amz-Algorithm`,
    /// `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`, `X-Amz-SignedHeaders`,
    /// `X-Amz-Security-Token` (for temporary credentials) and last `X-Amz-Signature` — the
    /// layout AWS's own SDKs produce. The payload hash is that of an empty body.
    ///
    /// - Parameters:
    ///   - url: An absolute URL; its query may already hold parameters (percent-encoded).
    ///   - method: The HTTP method the URL is for.
    ///   - expires: `X-Amz-Expires`, in seconds.
    ///   - date: The signing time.
    public func presign(url: URL, method: String = "GET", expires: Int, date: Date) -> URL {
        let components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        let query = presignedQuery(
            method: method,
            host: SigV4CanonicalRequest.hostHeader(for: url),
            percentEncodedPath: components?.percentEncodedPath ?? "/",
            parameters: SigV4CanonicalRequest.decodedQuery(components?.percentEncodedQuery),
            expires: expires,
            date: date
        )
        var result = components ?? URLComponents()
        result.percentEncodedQuery = query
        return result.url ?? url
    }

    /// The presigned query string (everything after `?`), for callers that assemble the URL
    /// themselves on a hot path (the MSK IAM token is minted on every connection).
    ///
    /// - Parameters:
    ///   - method: The HTTP method.
    ///   - host: The `Host` header value (`host` or `host:port`), lower-case.
    ///   - percentEncodedPath: The URL path as it appears in the URL, e.g. `/`.
    ///   - parameters: The URL's own query parameters, raw (not encoded), in order.
    ///   - expires: `X-Amz-Expires`, in seconds.
    ///   - date: The signing time.
    public func presignedQuery(method: String, host: String, percentEncodedPath: String, parameters: [(String, String)], expires: Int, date: Date) -> String {
        let timestamp = SigV4Timestamp(date)
        let scope = credentialScope(timestamp)
        // Each parameter is encoded once and used twice: sorted for the canonical request, in
        // order for the URL. The session token (hundreds of bytes) was encoded at init.
        var pairs: [(name: String, value: String)] = []
        pairs.reserveCapacity(parameters.count + 7)
        for (name, value) in parameters {
            pairs.append((SigV4Encoding.encode(name), SigV4Encoding.encode(value)))
        }
        pairs.append(("X-Amz-Algorithm", SigV4CanonicalRequest.algorithm))
        pairs.append(("X-Amz-Credential", encodedAccessKeyID + "%2F" + SigV4Encoding.encode(scope)))
        pairs.append(("X-Amz-Date", timestamp.dateTime))
        pairs.append(("X-Amz-Expires", String(expires)))
        pairs.append(("X-Amz-SignedHeaders", "host"))
        if let encodedSessionToken { pairs.append(("X-Amz-Security-Token", encodedSessionToken)) }

        let sorted = pairs.sorted { lhs, rhs in lhs.name == rhs.name ? lhs.value < rhs.value : lhs.name < rhs.name }
        // The canonical request, built in one buffer (no nested closures over mutable state:
        // they cost a dynamic exclusivity check per call) and hashed once.
        var canonical = [UInt8]()
        canonical.reserveCapacity(256 + sorted.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 2 })
        canonical.append(contentsOf: (method == "GET" ? method : method.uppercased()).utf8)
        canonical.append(UInt8(ascii: "\n"))
        canonical.append(contentsOf: SigV4CanonicalRequest.canonicalURI(percentEncodedPath: percentEncodedPath).utf8)
        canonical.append(UInt8(ascii: "\n"))
        for (index, pair) in sorted.enumerated() {
            if index > 0 { canonical.append(UInt8(ascii: "&")) }
            canonical.append(contentsOf: pair.name.utf8)
            canonical.append(UInt8(ascii: "="))
            canonical.append(contentsOf: pair.value.utf8)
        }
        canonical.append(contentsOf: "\nhost:".utf8)
        canonical.append(contentsOf: host.utf8)
        canonical.append(contentsOf: "\n\nhost\n".utf8)
        canonical.append(contentsOf: SigV4CanonicalRequest.emptyPayloadHash.utf8)
        let canonicalHash = SHA256.hash(data: canonical)
        let stringToSign = SigV4CanonicalRequest.algorithm + "\n" + timestamp.dateTime + "\n" + scope + "\n" + SigV4Encoding.hex(canonicalHash)
        let signature = sign(stringToSign, timestamp: timestamp)

        var output = ""
        output.reserveCapacity(pairs.reduce(80) { $0 + $1.name.utf8.count + $1.value.utf8.count + 2 })
        for pair in pairs {
            if !output.isEmpty { output += "&" }
            output += pair.name
            output += "="
            output += pair.value
        }
        output += "&X-Amz-Signature="
        output += signature
        return output
    }

    private func credentialScope(_ timestamp: SigV4Timestamp) -> String {
        "\(timestamp.date)/\(region)/\(service)/aws4_request"
    }

    private func sign(_ stringToSign: String, timestamp: SigV4Timestamp) -> String {
        let key = keyCache.key(secretAccessKey: credentials.secretAccessKey, date: timestamp.date, region: region, service: service)
        return SigV4Encoding.hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
    }

    /// Headers that intermediaries rewrite; signing them would break the signature in transit.
    private static let unsignedHeaders: Set<String> = ["user-agent", "expect", "transfer-encoding", "x-amzn-trace-id", "authorization"]

    private static func isReplacedOnSigning(_ name: String) -> Bool {
        switch name.lowercased() {
        case "host", "x-amz-date", "x-amz-security-token", "authorization": return true
        default: return false
        }
    }
}

extension SigV4Signer: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Region, service and the (redacted) credentials: a signer holds a secret key and its
    /// derived signing keys, and shows neither.
    public var description: String { "SigV4Signer(region: \(region), service: \(service), credentials: \(credentials))" }

    /// Same as ``description``.
    public var debugDescription: String { description }

    /// What `dump` and `Mirror` see: no secret, no derived key.
    public var customMirror: Mirror {
        Mirror(self, children: ["credentials": credentials, "region": region, "service": service], displayStyle: .struct)
    }
}
