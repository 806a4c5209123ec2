import AWSAuth
import Foundation

/// Mints MSK IAM tokens from a credential source, at the time of an injectable clock.
///
/// Give it a `RefreshingCredentialCache` (or any `AWSCredentialProvider`): each call to
/// ``token()`` reads the credentials — from memory when the cache holds valid ones — and signs
/// a new token, which costs microseconds.
public struct MSKIAMTokenProvider: Sendable {
    /// The signer (region, expiry, user agent).
    public let signer: MSKIAMTokenSigner
    private let credentials: any AWSCredentialProvider
    private let clock: any WallClock

    /// Creates a provider.
    /// - Throws: ``MSKIAMTokenError`` for an invalid region or expiry.
    public init(
        region: String,
        credentials: any AWSCredentialProvider,
        expiresIn: Int = MSKIAMTokenSigner.maximumExpiry,
        clock: any WallClock = SystemWallClock(),
        userAgent: String = MSKIAMTokenSigner.defaultUserAgent
    ) throws(MSKIAMTokenError) {
        self.signer = try MSKIAMTokenSigner(region: region, expiresIn: expiresIn, userAgent: userAgent)
        self.credentials = credentials
        self.clock = clock
    }

    /// A fresh token signed with the source's current credentials.
    /// - Throws: whatever the credential source throws, or ``MSKIAMTokenError``.
    public func token() async throws -> MSKIAMToken {
        let current = try await credentials.credentials()
        return try signer.token(for: current, at: clock.now())
    }
}
