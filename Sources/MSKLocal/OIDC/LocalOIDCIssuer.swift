import Crypto
import Foundation

/// msk-local's OpenID Connect provider, as EKS runs one per cluster: it signs web identity
/// tokens (ES256 JWTs) with a key made at start, publishes the public key as a JWKS, and is
/// the only issuer whose tokens msk-local's `AssumeRoleWithWebIdentity` accepts.
public final class LocalOIDCIssuer: Sendable {
    /// The `iss` of every token: shaped like an EKS cluster's issuer. Not fetched by anyone:
    /// the JWKS is served by msk-local at `/oidc/keys`.
    public let issuer: String
    /// The audience STS demands (`aud`), as IRSA's `sts.amazonaws.com`.
    public let audience: String
    private let key: P256.Signing.PrivateKey
    private let keyID: String

    /// Makes a new signing key.
    public init(audience: String = "sts.amazonaws.com") {
        key = P256.Signing.PrivateKey()
        let id = SHA256.hash(data: key.publicKey.rawRepresentation).prefix(8).map { String(format: "%02x", $0) }.joined()
        keyID = id
        issuer = "https://oidc.msk-local.localhost/id/\(id)"
        self.audience = audience
    }

    /// A token for `subject`, valid from `now` for `lifetime` seconds, for `audience` (default:
    /// the one STS demands).
    public func token(subject: String, audience: String? = nil, lifetime: Int = 3600, now: Date = Date()) -> String {
        let issuedAt = Int(now.timeIntervalSince1970)
        let header: [String: Any] = ["alg": "ES256", "typ": "JWT", "kid": keyID]
        let claims: [String: Any] = [
            "iss": issuer, "sub": subject, "aud": audience ?? self.audience,
            "iat": issuedAt, "nbf": issuedAt, "exp": issuedAt + lifetime,
        ]
        let signingInput = Self.part(header) + "." + Self.part(claims)
        let signature = try! key.signature(for: Data(signingInput.utf8))  // P-256 signing cannot fail with a valid key
        return signingInput + "." + Base64URL.encode(signature.rawRepresentation)
    }

    /// The public key as a JSON Web Key Set.
    public var jwks: [String: [[String: String]]] {
        let raw = key.publicKey.rawRepresentation  // x ‖ y, 32 bytes each
        return ["keys": [[
            "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": keyID,
            "x": Base64URL.encode(raw.prefix(32)), "y": Base64URL.encode(raw.suffix(32)),
        ]]]
    }

    /// The token's subject, if it is one of this issuer's, for this audience, and valid at `now`.
    func verify(_ token: String, now: Date) -> Result<String, WebIdentityRejection> {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(parts[0]), let claimBytes = Base64URL.decode(parts[1]),
              let signatureBytes = Base64URL.decode(parts[2]) else {
            return .failure(.malformed("not three base64url parts"))
        }
        guard let header = try? JSONSerialization.jsonObject(with: Data(headerBytes)) as? [String: Any],
              let claims = try? JSONSerialization.jsonObject(with: Data(claimBytes)) as? [String: Any] else {
            return .failure(.malformed("the header or the claims are not a JSON object"))
        }
        guard header["alg"] as? String == "ES256" else { return .failure(.malformed("alg must be ES256, the issuer's algorithm")) }
        guard header["kid"] as? String == keyID, let signature = try? P256.Signing.ECDSASignature(rawRepresentation: signatureBytes),
              key.publicKey.isValidSignature(signature, for: Data((parts[0] + "." + parts[1]).utf8)) else {
            return .failure(.badSignature)
        }
        guard let issuer = claims["iss"] as? String, issuer == self.issuer else { return .failure(.wrongIssuer("\(claims["iss"] ?? "none")")) }
        let audiences = (claims["aud"] as? String).map { [$0] } ?? (claims["aud"] as? [String]) ?? []
        guard audiences.contains(audience) else { return .failure(.wrongAudience(audiences.joined(separator: ","))) }
        guard let subject = claims["sub"] as? String, let expiry = (claims["exp"] as? NSNumber)?.doubleValue, expiry.isFinite else {
            return .failure(.malformed("sub and a numeric exp are required"))
        }
        if expiry <= now.timeIntervalSince1970 {
            return .failure(.expired(secondsAgo: MSKTokenValidator.wholeSeconds(now.timeIntervalSince1970 - expiry)))
        }
        for name in ["nbf", "iat"] {
            if let start = (claims[name] as? NSNumber)?.doubleValue, start > now.timeIntervalSince1970 + 300 { return .failure(.notYetValid) }
        }
        return .success(subject)
    }

    private static func part(_ object: [String: Any]) -> String {
        Base64URL.encode(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))  // strings and integers only
    }
}
