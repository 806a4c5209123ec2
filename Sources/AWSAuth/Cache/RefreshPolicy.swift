import Foundation

/// When a ``RefreshingCredentialCache`` refreshes, and how it backs off when refreshing fails.
///
/// Credentials are refreshed ahead of their expiration by a *lead* time:
/// `lead = min(refreshWindow, lifetime × maximumLifetimeFraction)` minus a random jitter of up
/// to `jitterFraction × lead`. With the defaults, one-hour credentials are refreshed 18–20
/// minutes before they expire — long enough for a full 15-minute MSK token plus margin — while
/// 30-second test credentials are refreshed with about 15 seconds left, never leaving a gap.
public struct RefreshPolicy: Sendable, Equatable {
    /// Refresh once the remaining lifetime drops under this (default 20 min: one 15-min token + 5 min).
    public var refreshWindow: TimeInterval
    /// For credentials that live shorter than the window: refresh when at most this fraction
    /// of their lifetime remains (default 0.5).
    public var maximumLifetimeFraction: Double
    /// Up to this fraction of the lead is subtracted at random, so that a fleet does not call
    /// STS in the same second (default 0.1).
    public var jitterFraction: Double
    /// Credentials are treated as expired this long before their expiration (default 5 s), so
    /// nothing is signed with credentials that die in flight.
    public var expiryMargin: TimeInterval
    /// First retry delay after a failed refresh (default 1 s); doubles with each failure in a row.
    public var backoffBase: TimeInterval
    /// Longest retry delay (default 60 s). Retries never stop.
    public var backoffCap: TimeInterval
    /// Longest retry delay while the cache holds no usable credentials (default 5 s): then
    /// every signature fails until a refresh succeeds, so the cache must notice a recovered
    /// source within seconds, not a minute later. Backing off to ``backoffCap`` is for failures
    /// while cached credentials still serve.
    public var backoffCapWithoutCredentials: TimeInterval

    /// The defaults described above.
    public static let `default` = RefreshPolicy()

    /// Creates a policy.
    public init(
        refreshWindow: TimeInterval = 20 * 60,
        maximumLifetimeFraction: Double = 0.5,
        jitterFraction: Double = 0.1,
        expiryMargin: TimeInterval = 5,
        backoffBase: TimeInterval = 1,
        backoffCap: TimeInterval = 60,
        backoffCapWithoutCredentials: TimeInterval = 5
    ) {
        self.refreshWindow = refreshWindow
        self.maximumLifetimeFraction = maximumLifetimeFraction
        self.jitterFraction = jitterFraction
        self.expiryMargin = expiryMargin
        self.backoffBase = backoffBase
        self.backoffCap = backoffCap
        self.backoffCapWithoutCredentials = backoffCapWithoutCredentials
    }

    /// Checks every field; a cache refuses an invalid policy.
    public func validated() throws(CredentialCacheError) -> RefreshPolicy {
        func check(_ ok: Bool, _ field: String, _ value: Double) throws(CredentialCacheError) {
            if !ok { throw .invalidPolicy(field: field, value: value) }
        }
        try check(refreshWindow.isFinite && refreshWindow >= 0, "refreshWindow", refreshWindow)
        try check(maximumLifetimeFraction > 0 && maximumLifetimeFraction < 1, "maximumLifetimeFraction", maximumLifetimeFraction)
        try check(jitterFraction >= 0 && jitterFraction < 1, "jitterFraction", jitterFraction)
        try check(expiryMargin.isFinite && expiryMargin >= 0, "expiryMargin", expiryMargin)
        try check(backoffBase.isFinite && backoffBase > 0, "backoffBase", backoffBase)
        try check(backoffCap.isFinite && backoffCap >= backoffBase, "backoffCap", backoffCap)
        try check(backoffCapWithoutCredentials.isFinite && backoffCapWithoutCredentials > 0, "backoffCapWithoutCredentials", backoffCapWithoutCredentials)
        return self
    }

    /// When to refresh credentials fetched at `fetchedAt` that expire at `expiration`.
    func refreshTime(fetchedAt: Date, expiration: Date, random: Double) -> Date {
        let lifetime = max(0, expiration.timeIntervalSince(fetchedAt))
        let lead = min(refreshWindow, lifetime * maximumLifetimeFraction)
        return expiration.addingTimeInterval(-(lead + lead * jitterFraction * random))
    }

    /// The delay before retry number `failures` (1 for the first failure in a row), with
    /// "equal jitter": half fixed, half random, so the delay still grows but a fleet spreads out.
    func backoff(afterFailures failures: Int, random: Double, holdingUsableCredentials: Bool = true) -> TimeInterval {
        let exponent = Double(min(max(failures - 1, 0), 30))
        let cap = holdingUsableCredentials ? backoffCap : min(backoffCap, backoffCapWithoutCredentials)
        let ceiling = min(cap, backoffBase * pow(2, exponent))
        return ceiling / 2 + ceiling / 2 * random
    }
}
