/// The client's first OAUTHBEARER message (RFC 7628 §3.1):
/// `n,[a=<authzid>],` `\u{1}auth=Bearer <token>\u{1}` `[key=value\u{1}]*` `\u{1}`.
struct OAuthBearerInitialResponse {
    /// The bearer token.
    let token: String
    /// SASL extensions (`key=value` pairs other than `auth`).
    let extensions: [String: String]

    /// Parses `bytes`, or says what is wrong with them (never quoting the token).
    static func parse(_ bytes: [UInt8]) -> Result<OAuthBearerInitialResponse, MSKTokenRejection> {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return .failure(.malformedInitialResponse("not UTF-8"))
        }
        let parts = text.split(separator: "\u{1}", omittingEmptySubsequences: false)
        guard parts.count >= 3, parts[0].hasPrefix("n,") || parts[0].hasPrefix("y,") else {
            return .failure(.malformedInitialResponse("no GS2 header 'n,,'"))
        }
        guard parts[parts.count - 1].isEmpty, parts[parts.count - 2].isEmpty else {
            return .failure(.malformedInitialResponse("does not end with two \\x01 separators"))
        }
        var token: String?
        var extensions: [String: String] = [:]
        for pair in parts.dropFirst().dropLast(2) {
            guard let equals = pair.firstIndex(of: "=") else {
                return .failure(.malformedInitialResponse("a key-value pair has no '='"))
            }
            let key = String(pair[..<equals])
            let value = String(pair[pair.index(after: equals)...])
            if key == "auth" {
                guard value.count > 7, value.prefix(7).lowercased() == "bearer " else {
                    return .failure(.malformedInitialResponse("auth is not 'Bearer <token>'"))
                }
                token = String(value.dropFirst(7)).trimmingSpaces()
            } else {
                extensions[key] = value
            }
        }
        guard let token, !token.isEmpty else { return .failure(.malformedInitialResponse("no auth=Bearer value")) }
        return .success(OAuthBearerInitialResponse(token: token, extensions: extensions))
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        var view = Substring(self)
        while view.first == " " { view.removeFirst() }
        while view.last == " " { view.removeLast() }
        return String(view)
    }
}
