import AWSAuth
import Foundation
import Synchronization

/// Every key pair msk-local accepts: the long-term source key its STS takes as caller
/// credentials, and the temporary credentials its STS, IMDS and ECS endpoints hand out. The
/// gateway checks token signatures against the secrets held here.
public final class CredentialRegistry: Sendable {
    /// The AWS account id in every ARN msk-local makes.
    public static let accountID = "111122223333"

    /// How long expired credentials are remembered, so that a token signed with them is
    /// refused as "expired" rather than "unknown access key".
    private static let retention: TimeInterval = 3600

    private struct Entries {
        /// Keys that never expire (the source key, and any registered without an expiration).
        var permanent: [String: IssuedCredentials] = [:]
        var temporary = ExpiringEntries<IssuedCredentials>()
    }

    private let entries = Mutex(Entries())

    /// Creates a registry that accepts `source` as the long-term key of `user`.
    public init(source: AWSCredentials, user: String = "msk-local") {
        register(IssuedCredentials(credentials: source, principal: "arn:aws:iam::\(Self.accountID):user/\(user)"))
    }

    /// Adds (or replaces) credentials.
    public func register(_ issued: IssuedCredentials) {
        entries.withLock { entries in
            if let expiration = issued.credentials.expiration {
                entries.temporary.insert(issued, for: issued.credentials.accessKeyID, expiry: expiration, sweepBefore: expiration.addingTimeInterval(-Self.retention))
            } else {
                entries.permanent[issued.credentials.accessKeyID] = issued
            }
        }
    }

    /// The credentials and principal of `accessKeyID`, if known.
    public func lookup(accessKeyID: String) -> IssuedCredentials? {
        entries.withLock { $0.permanent[accessKeyID] ?? $0.temporary[accessKeyID]?.value }
    }

    /// Mints temporary credentials for `principal`, valid for `lifetime` from `now`, and
    /// remembers them.
    public func issue(principal: String, lifetime: TimeInterval, now: Date) -> IssuedCredentials {
        let credentials = AWSCredentials(
            accessKeyID: "ASIA" + Self.random(16, from: Self.upperAlphanumerics),
            secretAccessKey: Self.random(40, from: Self.upperAlphanumerics + "abcdefghijklmnopqrstuvwxyz/+"),
            sessionToken: "IQoJb3JpZ2luX2VjEMSKLOCAL" + Self.random(300, from: Self.upperAlphanumerics + "abcdefghijklmnopqrstuvwxyz/+="),
            // Whole seconds: the expiration travels as ISO 8601 without fractions.
            expiration: Date(timeIntervalSince1970: (now.timeIntervalSince1970 + lifetime).rounded(.down))
        )
        let issued = IssuedCredentials(credentials: credentials, principal: principal)
        entries.withLock { entries in
            entries.temporary.insert(issued, for: credentials.accessKeyID, expiry: credentials.expiration!, sweepBefore: now.addingTimeInterval(-Self.retention))
        }
        return issued
    }

    private static let upperAlphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

    private static func random(_ count: Int, from alphabet: String) -> String {
        let characters = Array(alphabet)
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in characters.randomElement(using: &generator)! })
    }
}
