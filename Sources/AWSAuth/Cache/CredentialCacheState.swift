import Foundation

/// Everything a ``CredentialRefresher`` knows, kept behind its one lock.
///
/// Invariants:
/// - at most one provider call is in flight (`refreshTask`); `waiters` are the callers
///   suspended until it ends, and are only non-empty while it runs;
/// - at most one timer is armed (`timerTask`), for `nextRefresh`; it is re-armed by every
///   outcome of a refresh, so it never sleeps towards a stale deadline; after a failure it is
///   always armed (the refresher never stops) until shutdown;
/// - `consecutiveFailures > 0` with no call in flight means "backing off": callers without valid
///   credentials are told so at once rather than calling the provider behind the backoff's back.
struct CredentialCacheState: Sendable {
    var credentials: AWSCredentials?
    var isShutDown = false

    var refreshTask: Task<Void, Never>?
    var refreshID: UInt64 = 0
    var waiters: [UInt64: CheckedContinuation<AWSCredentials, any Error>] = [:]

    var timerTask: Task<Void, Never>?
    var timerID: UInt64 = 0
    var nextRefresh: Date?

    var refreshCount = 0
    var failureCount = 0
    var consecutiveFailures = 0
    var lastError: (any Error)?
    var lastRefresh: Date?
    var lastFailure: Date?

    var rotationObservers: [UInt64: AsyncStream<AWSCredentials>.Continuation] = [:]
    var nextID: UInt64 = 0
    var random: JitterGenerator

    init(random: JitterGenerator) {
        self.random = random
    }

    mutating func makeID() -> UInt64 {
        nextID += 1
        return nextID
    }

    var isBackingOff: Bool {
        consecutiveFailures > 0 && refreshTask == nil
    }

    /// Marks the state shut down and takes everything that must be released outside the lock.
    mutating func takeForShutdown() -> (tasks: [Task<Void, Never>], waiters: [CheckedContinuation<AWSCredentials, any Error>], observers: [AsyncStream<AWSCredentials>.Continuation]) {
        isShutDown = true
        defer {
            refreshTask = nil
            timerTask = nil
            nextRefresh = nil
            waiters = [:]
            rotationObservers = [:]
        }
        return ([refreshTask, timerTask].compactMap { $0 }, Array(waiters.values), Array(rotationObservers.values))
    }

    func status(source: String) -> CredentialCacheStatus {
        CredentialCacheStatus(
            source: source,
            refreshCount: refreshCount,
            failureCount: failureCount,
            consecutiveFailures: consecutiveFailures,
            lastError: lastError.map { "\($0)" },
            lastRefresh: lastRefresh,
            accessKeyID: credentials?.accessKeyID,
            expiration: credentials?.expiration,
            nextRefresh: nextRefresh,
            refreshInProgress: refreshTask != nil,
            lastFailure: lastFailure,
            waitingCallers: waiters.count
        )
    }
}
