/// Why msk-local's STS refused a web identity token, with the error code AWS STS uses.
enum WebIdentityRejection: Error, Equatable, CustomStringConvertible {
    /// Not three base64url parts of JSON, or not ES256.
    case malformed(String)
    /// Signed by a key msk-local's issuer does not have, or not signed at all.
    case badSignature
    /// Issued by someone else.
    case wrongIssuer(String)
    /// Issued for another audience.
    case wrongAudience(String)
    /// Past its `exp`.
    case expired(secondsAgo: Int)
    /// Its `nbf` or `iat` is in the future.
    case notYetValid

    /// AWS STS's error code for it.
    var code: String {
        if case .expired = self { return "ExpiredTokenException" }
        return "InvalidIdentityToken"
    }

    var description: String {
        switch self {
        case .malformed(let why): "the web identity token is malformed: \(why)"
        case .badSignature: "the web identity token's signature does not verify against the issuer's keys"
        case .wrongIssuer(let issuer): "the web identity token's issuer '\(MSKTokenRejection.quote(issuer))' is not a registered OpenID Connect provider"
        case .wrongAudience(let audience): "the web identity token's audience '\(MSKTokenRejection.quote(audience))' is not a client id of the provider"
        case .expired(let seconds): "Token expired: current date/time is \(seconds) s past the token's expiration"
        case .notYetValid: "the web identity token is not valid yet (nbf or iat in the future)"
        }
    }
}
