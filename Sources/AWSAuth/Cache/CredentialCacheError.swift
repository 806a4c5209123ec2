import Foundation

/// Errors of a ``RefreshingCredentialCache``.
public enum CredentialCacheError: Error, Sendable, CustomStringConvertible {
    /// No valid credentials are cached and the latest refresh failed with `lastError`. The
    /// refresher keeps retrying on its backoff schedule; a later call may succeed.
    case noValidCredentials(source: String, lastError: any Error)
    /// No valid credentials are cached yet and a refresh is in progress (only from
    /// ``RefreshingCredentialCache/currentCredentials()``, which never waits).
    case refreshPending(source: String)
    /// A ``RefreshPolicy`` field is out of range.
    case invalidPolicy(field: String, value: Double)
    /// The provider answered with credentials that had already expired (or were about to).
    case expiredOnArrival(source: String, accessKeyID: String, expiration: Date)
    /// The cache was shut down.
    case shutDown(source: String)

    public var description: String {
        switch self {
        case .noValidCredentials(let source, let lastError):
            return "no valid AWS credentials from '\(source)': the last refresh failed: \(lastError)"
        case .refreshPending(let source):
            return "no valid AWS credentials from '\(source)' yet: a refresh is in progress"
        case .invalidPolicy(let field, let value):
            return "invalid credential refresh policy: \(field) = \(value)"
        case .expiredOnArrival(let source, let accessKeyID, let expiration):
            return "'\(source)' returned credentials \(accessKeyID) that expire at \(expiration.formatted(.iso8601)), too soon to use"
        case .shutDown(let source):
            return "the credential cache for '\(source)' has been shut down"
        }
    }
}
