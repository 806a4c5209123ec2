import AWSAuth
import Foundation
import Logging
import Synchronization

/// Keeps a fresh OAUTHBEARER token on a librdkafka handle.
///
/// librdkafka 2.0.2 has no re-authentication on open connections (KIP-368): whenever a
/// connection is rebuilt it authenticates with whatever token is set at that moment. So a
/// background task mints a new token well before the current one ends (at 80 % of its
/// remaining life, and at least 10 s before its end), at once when the credentials rotate, and at once after an authentication
/// failure — and pushes it with `rd_kafka_oauthbearer_set_token`, which may be called from any
/// thread. librdkafka's own refresh callback mints on the spot when that needs no I/O (MSK IAM
/// with credentials in memory: microseconds of signing), else hands over the token already
/// minted (or reports a failure) and wakes the task: it never waits on I/O.
///
/// Time — a token's remaining life, when to mint the next, the backoff after a failure — is
/// the source's ``OAuthBearerTokenSource/clock``, so that tests drive the schedule with a
/// manual clock instead of waiting for it.
final class OAuthBearerTokenRefresher: Sendable {
    private let source: OAuthBearerTokenSource
    private let logger: Logger
    private let counters: KafkaClientCounters
    private let state = Mutex(State())
    private var clock: any WallClock { source.clock }

    private struct State {
        /// The client tokens go to; nil once detached.
        var client: RdKafkaClient?
        var token: OAuthBearerToken?
        var lastError: String?
        var wake: CheckedContinuation<Void, Never>?
        var wakeRequested = false
        var task: Task<Void, Never>?
        var rotationTask: Task<Void, Never>?
        var callbackCount = 0
        var slowestCallback: Duration = .zero
        /// Why the minter was woken early since it last started minting (``refreshNow(reason:)``),
        /// for the next push; each reason once, in order.
        var wakeReasons: [String] = []
        var pushes: [TokenPush] = []
    }

    /// A new token handed to librdkafka: when, until when it is good, and why it was minted
    /// (`first token`, `scheduled`, or the reasons it was asked for, comma-separated).
    struct TokenPush: Sendable {
        let atMs: Int64
        let lifetimeMs: Int64
        let reason: String
    }

    /// The last pushes kept for diagnostics and tests.
    static let keptPushes = 64

    init(source: OAuthBearerTokenSource, logger: Logger, counters: KafkaClientCounters) {
        self.source = source
        self.logger = logger
        self.counters = counters
    }

    /// Starts pushing tokens to `client` (which calls this once its handle exists).
    func attach(_ client: RdKafkaClient) {
        let task = Task { [weak self] in _ = await self?.run() }
        var rotationTask: Task<Void, Never>?
        if let rotations = source.rotations {
            rotationTask = Task { [weak self] in
                for await _ in rotations() {
                    self?.counters.credentialRefreshes.increment()
                    self?.refreshNow(reason: "credentials rotated")
                }
            }
        }
        state.withLock {
            $0.client = client
            $0.task = task
            $0.rotationTask = rotationTask
        }
    }

    /// Stops; after this no call touches the client, and the client is no longer held (its
    /// ``RdKafkaClient/destroy()`` calls this before `rd_kafka_destroy`).
    func detach() {
        let (task, rotationTask, wake) = state.withLock { state in
            state.client = nil
            defer { state.wake = nil }
            return (state.task, state.rotationTask, state.wake)
        }
        task?.cancel()
        rotationTask?.cancel()
        wake?.resume()
    }

    /// How often librdkafka asked, and the longest its callback took (it must never wait on I/O).
    var callbackStatistics: (count: Int, slowest: Duration) { state.withLock { ($0.callbackCount, $0.slowestCallback) } }

    /// Whether the minter is parked until its next scheduled refresh with no early wake-up
    /// pending: with the clock's sleeper, the settled state a test on a manual clock waits for.
    var isWaitingForSchedule: Bool { state.withLock { $0.wake != nil && !$0.wakeRequested && $0.wakeReasons.isEmpty } }

    /// The most recent token pushed (for tests and diagnostics).
    var currentToken: OAuthBearerToken? { state.withLock { $0.token } }

    /// The last ``keptPushes`` new tokens pushed, oldest first.
    var tokenPushes: [TokenPush] { state.withLock { $0.pushes } }

    /// librdkafka asked for a token (its refresh callback, at 80 % of the last token's life).
    /// Runs on librdkafka's thread: mints at once when the source can without waiting (MSK IAM
    /// with credentials in memory); else hands over the current token if it is still good, or
    /// reports why not, and wakes the minter.
    func refreshRequested() {
        let started = ContinuousClock.now
        defer {
            let elapsed = ContinuousClock.now - started
            state.withLock { state in
                state.callbackCount += 1
                state.slowestCallback = max(state.slowestCallback, elapsed)
            }
        }
        let now = nowMs()
        if let immediate = source.immediateToken?(), immediate.lifetimeMs > now + 1000 {
            state.withLock {
                $0.token = immediate
                $0.lastError = nil
                Self.record(TokenPush(atMs: now, lifetimeMs: immediate.lifetimeMs, reason: "librdkafka requested a token"), in: &$0)
            }
            if push(immediate) { counters.tokenRefreshes.increment() }
            return
        }
        let (token, error) = state.withLock { ($0.token, $0.lastError) }
        if let token, token.lifetimeMs > now + 1000 {
            _ = push(token)
        } else if let error {
            fail(error)
        }
        // Else the first token is still being minted: librdkafka holds its connections until a
        // token is set (set_token wakes them), so reporting a failure now would only log a
        // spurious authentication error at every start.
        refreshNow(reason: "librdkafka requested a token")
    }

    /// Mint and push a new token as soon as possible (rotation, authentication failure).
    func refreshNow(reason: String) {
        let wake = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.wakeRequested = true
            if !state.wakeReasons.contains(reason), state.wakeReasons.count < 8 { state.wakeReasons.append(reason) }
            defer { state.wake = nil }
            return state.wake
        }
        logger.debug("OAUTHBEARER token refresh requested", metadata: ["reason": "\(reason)"])
        wake?.resume()
    }

    private func run() async {
        var failures = 0
        while !Task.isCancelled {
            var delay: Duration
            // Why this token is minted: taken before minting, so that a request arriving while
            // it mints is the reason of the next one (which it causes).
            let reason = state.withLock { state in
                defer { state.wakeReasons = [] }
                return state.wakeReasons.isEmpty ? (state.pushes.isEmpty ? "first token" : "scheduled") : state.wakeReasons.joined(separator: ", ")
            }
            do {
                let token = try await source.token()
                failures = 0
                state.withLock {
                    $0.token = token
                    $0.lastError = nil
                    Self.record(TokenPush(atMs: nowMs(), lifetimeMs: token.lifetimeMs, reason: reason), in: &$0)
                }
                if push(token) { counters.tokenRefreshes.increment() }
                delay = Self.refreshDelay(remainingMs: max(0, token.lifetimeMs - nowMs()))
            } catch {
                failures += 1
                let reason = "could not mint an OAUTHBEARER token: \(error)"
                state.withLock { $0.lastError = reason }
                counters.tokenRefreshFailures.increment()
                logger.warning("OAUTHBEARER token refresh failed; will retry", metadata: ["error": "\(error)", "consecutiveFailures": "\(failures)"])
                // Only report failure to librdkafka when no usable token is left.
                let current = state.withLock { $0.token }
                if current == nil || current!.lifetimeMs <= nowMs() + 1000 { fail(reason) }
                let backoff = min(30_000, 250 << min(failures, 7))
                delay = .milliseconds(backoff / 2 + Int.random(in: 0...max(1, backoff / 2)))
            }
            await sleep(delay)
        }
    }

    /// Sleeps for `delay` on the clock, or until ``refreshNow(reason:)``.
    ///
    /// The timer that ends the wait is started only once the minter is parked, and cancelled
    /// as it wakes: whenever the clock has a sleeper of ours, the minter is idle and waiting
    /// for exactly that deadline (what a test on a manual clock waits for).
    private func sleep(_ delay: Duration) async {
        let deadline = clock.now().addingTimeInterval(Double(delay.milliseconds) / 1000)
        var timer: Task<Void, Never>?
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.wakeRequested || state.client == nil {
                        state.wakeRequested = false
                        return true
                    }
                    state.wake = continuation
                    return false
                }
                if resumeNow {
                    continuation.resume()
                } else {
                    timer = Task { [weak self, clock] in
                        // A cancelled sleep means the wait already ended for another reason:
                        // waking the minter again would make it mint in a tight loop.
                        guard (try? await clock.sleep(until: deadline)) != nil else { return }
                        self?.refreshNow(reason: "scheduled")
                    }
                }
            }
            timer?.cancel()
            state.withLock { $0.wakeRequested = false }
        } onCancel: {
            let wake = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.wake = nil }
                return state.wake
            }
            wake?.resume()
        }
    }

    /// Hands `token` to librdkafka; false when it was not set: librdkafka refused it (counted
    /// as a failed refresh; librdkafka keeps the previous token) or the client is detached.
    private func push(_ token: OAuthBearerToken) -> Bool {
        if let problem = token.extensionsProblem {
            counters.tokenRefreshFailures.increment()
            logger.error("OAUTHBEARER token not pushed", metadata: ["error": "\(problem)"])
            return false
        }
        // Under the lock, so that detach() (then rd_kafka_destroy) cannot race this call.
        let (attached, refusal) = state.withLock { state -> (Bool, String?) in
            guard let client = state.client else { return (false, nil) }
            return (true, client.setOAuthBearerToken(token))
        }
        guard attached else { return false }
        if let refusal {
            counters.tokenRefreshFailures.increment()
            logger.error("librdkafka refused the OAUTHBEARER token", metadata: ["error": "\(refusal)"])
            return false
        }
        return true
    }

    private func fail(_ reason: String) {
        state.withLock { $0.client?.setOAuthBearerTokenFailure(reason) }
    }

    private func nowMs() -> Int64 { OAuthBearerToken.milliseconds(since1970: clock.now()) }

    /// When to mint the next token: at 80 % of the current one's remaining life, and no later
    /// than ``refreshMarginMs`` before its end (at least a second from now). The margin is what
    /// a busy process has to get the minting task scheduled: 20 % of a 15-minute token is
    /// minutes, of a token cut short by expiring credentials it can be well under a second —
    /// measured: a 2-s token replaced 2.1 s after its end on a loaded 2-core machine.
    static func refreshDelay(remainingMs: Int64) -> Duration {
        .milliseconds(max(1000, min(remainingMs * 8 / 10, remainingMs - refreshMarginMs)))
    }

    /// See ``refreshDelay(remainingMs:)``.
    static let refreshMarginMs: Int64 = 10_000

    private static func record(_ push: TokenPush, in state: inout State) {
        if state.pushes.count == keptPushes { state.pushes.removeFirst() }
        state.pushes.append(push)
    }
}
