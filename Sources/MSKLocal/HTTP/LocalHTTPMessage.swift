import Foundation

/// A whole HTTP request as msk-local's endpoints see it.
struct LocalHTTPRequest: Sendable {
    var method: String
    /// The path, percent-encoded, without the query.
    var path: String
    /// The query string after `?`, percent-encoded, or empty.
    var query: String
    /// Header names lower-cased; repeated headers joined with ",".
    var headers: [String: String]
    var body: Data

    /// Query parameters, then (for form posts) body parameters, decoded.
    var parameters: [String: String] {
        var result: [String: String] = [:]
        for (name, value) in Self.decodeForm(query) { result[name] = value }
        if headers["content-type"]?.hasPrefix("application/x-www-form-urlencoded") == true {
            for (name, value) in Self.decodeForm(String(decoding: body, as: UTF8.self)) { result[name] = value }
        }
        return result
    }

    static func decodeForm(_ text: String) -> [(String, String)] {
        text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            return (parts[0], parts.count > 1 ? parts[1] : "")
        }
    }
}

/// An answer: status, content type and body; or no answer at all (a hanging endpoint).
struct LocalHTTPResponse: Sendable {
    var status: Int
    var contentType: String
    var body: Data
    /// Do not answer; close the connection after this long (an endpoint that hangs).
    var hangFor: Duration?

    static func text(_ status: Int, _ text: String, contentType: String = "text/plain") -> LocalHTTPResponse {
        LocalHTTPResponse(status: status, contentType: contentType, body: Data(text.utf8))
    }

    static func json(_ status: Int, _ value: some Encodable) -> LocalHTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return LocalHTTPResponse(status: status, contentType: "application/json", body: body)
    }

    static func hang(_ duration: Duration) -> LocalHTTPResponse {
        LocalHTTPResponse(status: 0, contentType: "", body: Data(), hangFor: duration)
    }
}
