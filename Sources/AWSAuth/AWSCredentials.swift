import Foundation

/// A set of AWS credentials: an access key pair, an optional session token and, for temporary
/// credentials, the moment they stop working.
///
/// The secret access key and the session token never appear in ``description``,
/// ``debugDescription``, logs or error texts: only the access key id (which is not a secret)
/// and the expiration are shown.
public struct AWSCredentials: Sendable, Hashable {
    /// The access key id, e.g. `AKIA...` (long-term) or `ASIA...` (temporary).
    public let accessKeyID: String
    /// The secret access key. Never printed.
    public let secretAccessKey: String
    /// The session token of temporary credentials. Never printed.
    public let sessionToken: String?
    /// When temporary credentials expire; `nil` for long-term credentials.
    public let expiration: Date?

    /// Creates credentials from their parts.
    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Date? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }

    /// Whether the credentials are still usable at `date`, keeping `margin` in hand.
    public func isValid(at date: Date, margin: TimeInterval = 0) -> Bool {
        guard let expiration else { return true }
        return expiration.timeIntervalSince(date) > margin
    }
}

extension AWSCredentials: CustomStringConvertible, CustomDebugStringConvertible {
    /// A redacted description: access key id and expiration only.
    public var description: String {
        var parts = ["accessKeyID: \(accessKeyID)", "secretAccessKey: <redacted>"]
        if sessionToken != nil { parts.append("sessionToken: <redacted>") }
        if let expiration { parts.append("expiration: \(expiration.formatted(.iso8601))") }
        return "AWSCredentials(\(parts.joined(separator: ", ")))"
    }

    /// Same as ``description``: secrets are never shown, not even when debugging.
    public var debugDescription: String { description }
}

extension AWSCredentials: CustomReflectable {
    /// What `dump`, `Mirror` and debuggers see: the secrets as `<redacted>`.
    public var customMirror: Mirror {
        Mirror(self, children: [
            "accessKeyID": accessKeyID,
            "secretAccessKey": "<redacted>",
            "sessionToken": sessionToken.map { _ in "<redacted>" } as Any,
            "expiration": expiration as Any,
        ], displayStyle: .struct)
    }
}
