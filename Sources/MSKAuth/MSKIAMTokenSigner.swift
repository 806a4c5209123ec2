import AWSAuth
import Foundation

/// Turns AWS credentials into an MSK IAM token: a SigV4-presigned
/// `https://kafka.<region>.amazonaws.com/?Action=kafka-cluster%3AConnect` URL, with a
/// `User-Agent` parameter appended after signing, encoded as base64url without padding.
///
/// Pure and cheap: no I/O, no clock of its own. The result matches AWS's official signers byte
/// for byte except for the `User-Agent` value.
public struct MSKIAMTokenSigner: Sendable {
    /// The longest `X-Amz-Expires` MSK accepts, in seconds.
    public static let maximumExpiry = 900
    /// The `User-Agent` parameter this library puts in its tokens.
    public static let defaultUserAgent = "swift-msk-kafka/0.1.0"

    /// The region of the MSK cluster.
    public let region: String
    /// `X-Amz-Expires` of every token, in seconds (`1...900`).
    public let expiresIn: Int
    /// The unsigned `User-Agent` query parameter.
    public let userAgent: String

    private let host: String
    private let encodedUserAgent: String
    private let signers = CachedSigV4Signer()

    /// Creates a signer.
    /// - Throws: ``MSKIAMTokenError/invalidRegion(_:)`` or ``MSKIAMTokenError/invalidExpiry(_:)``.
    public init(region: String, expiresIn: Int = MSKIAMTokenSigner.maximumExpiry, userAgent: String = MSKIAMTokenSigner.defaultUserAgent) throws(MSKIAMTokenError) {
        guard !region.isEmpty, region.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }) else {
            throw .invalidRegion(region)
        }
        guard (1...Self.maximumExpiry).contains(expiresIn) else { throw .invalidExpiry(expiresIn) }
        self.region = region
        self.expiresIn = expiresIn
        self.userAgent = userAgent
        self.host = "kafka.\(region).amazonaws.com"
        self.encodedUserAgent = Self.queryEncoded(userAgent)
    }

    /// Signs a token with `credentials` at `date`.
    ///
    /// The token's lifetime is `min(date + expiresIn, credentials.expiration)`: a token never
    /// outlives the credentials that signed it.
    /// - Throws: ``MSKIAMTokenError/credentialsExpired(accessKeyID:)`` when the credentials had
    ///   expired by `date`.
    public func token(for credentials: AWSCredentials, at date: Date) throws(MSKIAMTokenError) -> MSKIAMToken {
        let signingSecond = date.timeIntervalSince1970.rounded(.down)
        var lifetimeMs = Int64(signingSecond) * 1000 + Int64(expiresIn) * 1000
        if let expiration = credentials.expiration {
            let credentialEndMs = Int64((expiration.timeIntervalSince1970 * 1000).rounded(.down))
            guard credentialEndMs > Int64(signingSecond) * 1000 else {
                throw .credentialsExpired(accessKeyID: credentials.accessKeyID)
            }
            lifetimeMs = min(lifetimeMs, credentialEndMs)
        }
        let signer = signers.signer(credentials: credentials, region: region, service: Self.service)
        let query = signer.presignedQuery(
            method: "GET",
            host: host,
            percentEncodedPath: "/",
            parameters: [("Action", "kafka-cluster:Connect")],
            expires: expiresIn,
            date: Date(timeIntervalSince1970: signingSecond)
        )
        let url = "https://\(host)/?\(query)&User-Agent=\(encodedUserAgent)"
        return MSKIAMToken(value: Base64URL.encodeWithoutPadding(url.utf8), lifetimeMs: lifetimeMs, principal: credentials.accessKeyID)
    }

    /// The signing name of MSK IAM access control.
    static let service = "kafka-cluster"

    /// Query-value encoding as AWS's signers apply it to `User-Agent` (RFC 3986 unreserved kept).
    private static func queryEncoded(_ value: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}
