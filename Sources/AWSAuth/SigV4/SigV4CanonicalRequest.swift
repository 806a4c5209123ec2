import Crypto
import Foundation

/// The pieces of a request that SigV4 signs, already in canonical form.
///
/// See "Create a canonical request" in the AWS SigV4 documentation: method, canonical URI,
/// canonical query, canonical headers, signed header names and the hex SHA-256 of the payload,
/// joined by newlines.
struct SigV4CanonicalRequest {
    static let algorithm = "AWS4-HMAC-SHA256"
    /// Hex SHA-256 of the empty payload.
    static let emptyPayloadHash = SigV4Encoding.hex(SHA256.hash(data: [UInt8]()))

    var method: String
    var canonicalURI: String
    var canonicalQuery: String
    /// Lower-cased names mapped to normalised values, sorted by name.
    var headers: [(name: String, value: String)]
    var payloadHash: String

    var signedHeaders: String { headers.map(\.name).joined(separator: ";") }

    var text: String {
        var lines = [method, canonicalURI, canonicalQuery]
        for header in headers { lines.append("\(header.name):\(header.value)") }
        lines.append("")
        lines.append(signedHeaders)
        lines.append(payloadHash)
        return lines.joined(separator: "\n")
    }

    /// The string to sign for this request at `timestamp` within `scope`.
    func stringToSign(timestamp: SigV4Timestamp, scope: String) -> String {
        let hash = SigV4Encoding.hex(SHA256.hash(data: Array(text.utf8)))
        return [Self.algorithm, timestamp.dateTime, scope, hash].joined(separator: "\n")
    }

    /// Sorts `(name, value)` pairs the SigV4 way (by encoded name, then encoded value) and joins them.
    /// Both parts are given raw (decoded) and encoded here.
    static func canonicalQuery(_ parameters: [(String, String)]) -> String {
        // Encoded text is ASCII, so String ordering here is byte ordering, as SigV4 wants.
        var encoded: [(name: String, value: String)] = parameters.map { pair in
            (name: SigV4Encoding.encode(pair.0), value: SigV4Encoding.encode(pair.1))
        }
        encoded.sort { lhs, rhs in lhs.name == rhs.name ? lhs.value < rhs.value : lhs.name < rhs.name }
        return encoded.map { pair in pair.name + "=" + pair.value }.joined(separator: "&")
    }

    /// The canonical URI of a non-S3 service: dot segments removed, then every byte that is not
    /// unreserved or `/` encoded — which encodes an already-encoded path a second time, as AWS
    /// requires for every service but S3.
    static func canonicalURI(percentEncodedPath: String) -> String {
        if percentEncodedPath.isEmpty || percentEncodedPath == "/" { return "/" }
        var segments: [Substring] = []
        for segment in percentEncodedPath.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            switch segment {
            case ".": continue
            case "..": if !segments.isEmpty { segments.removeLast() }
            default: segments.append(segment)
            }
        }
        var path = "/" + segments.joined(separator: "/")
        if percentEncodedPath.hasSuffix("/") && !path.hasSuffix("/") { path += "/" }
        return SigV4Encoding.encode(path, keepingSlash: true)
    }

    /// The parameters of an already percent-encoded query string, decoded, in their order.
    static func decodedQuery(_ percentEncodedQuery: String?) -> [(String, String)] {
        guard let percentEncodedQuery, !percentEncodedQuery.isEmpty else { return [] }
        return percentEncodedQuery.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = SigV4Encoding.percentDecode(parts[0])
            let value = parts.count > 1 ? SigV4Encoding.percentDecode(parts[1]) : ""
            return (name, value)
        }
    }

    /// `host` or `host:port` when the port is not the scheme's default, lower-cased.
    static func hostHeader(for url: URL) -> String {
        let host = (url.host ?? "").lowercased()
        guard let port = url.port else { return host }
        let scheme = url.scheme?.lowercased()
        if (scheme == "https" && port == 443) || (scheme == "http" && port == 80) { return host }
        return "\(host):\(port)"
    }
}
