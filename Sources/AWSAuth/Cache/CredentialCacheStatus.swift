import Foundation

/// What an operator wants to know about a ``RefreshingCredentialCache`` — never a secret.
public struct CredentialCacheStatus: Sendable, CustomStringConvertible {
    /// The wrapped provider's name.
    public var source: String
    /// Successful refreshes so far.
    public var refreshCount: Int
    /// Failed refreshes so far.
    public var failureCount: Int
    /// Failed refreshes since the last success.
    public var consecutiveFailures: Int
    /// The description of the most recent failure, if any.
    public var lastError: String?
    /// When the last successful refresh happened.
    public var lastRefresh: Date?
    /// The access key id of the cached credentials (not a secret).
    public var accessKeyID: String?
    /// When the cached credentials expire (`nil`: none cached, or they never expire).
    public var expiration: Date?
    /// When the background refresher will next try.
    public var nextRefresh: Date?
    /// Whether a refresh is running right now.
    public var refreshInProgress: Bool
    /// When the last failed refresh happened.
    public var lastFailure: Date?
    /// Callers suspended in ``RefreshingCredentialCache/credentials()`` until the refresh in
    /// progress ends.
    public var waitingCallers: Int = 0

    /// Seconds until the cached credentials expire, at `now`.
    public func timeToExpiry(at now: Date) -> TimeInterval? {
        expiration.map { $0.timeIntervalSince(now) }
    }

    public var description: String {
        var parts = ["source: \(source)", "refreshes: \(refreshCount)", "failures: \(failureCount)", "consecutiveFailures: \(consecutiveFailures)", "refreshInProgress: \(refreshInProgress)"]
        if let accessKeyID { parts.append("accessKeyID: \(accessKeyID)") }
        if let expiration { parts.append("expiration: \(expiration.formatted(.iso8601))") }
        if let nextRefresh { parts.append("nextRefresh: \(nextRefresh.formatted(.iso8601))") }
        if let lastError { parts.append("lastError: \(lastError)") }
        return "CredentialCacheStatus(\(parts.joined(separator: ", ")))"
    }
}
