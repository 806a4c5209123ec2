import Foundation
import Logging
import Synchronization

/// The machinery behind ``RefreshingCredentialCache``: one lock, one provider call at a time,
/// one timer.
///
/// There is no long-running loop. Each refresh ends in ``finishRefresh(id:result:)``, which
/// records the outcome and arms a single timer task for the next attempt (the proactive refresh
/// or the backoff retry) in the same critical section; the timer task sleeps on the clock and
/// starts the next refresh. Because the timer is re-armed by every outcome, it can never sleep
/// towards a stale deadline, and a test that sees the timer parked on a `ManualWallClock`
/// (AWSAuthTesting) knows the state is final.
///
/// Its tasks hold it strongly; the public ``RefreshingCredentialCache`` owns it and shuts it
/// down in `deinit`, which cancels those tasks and so breaks the cycle.
final class CredentialRefresher: Sendable {
    let name: String
    private let provider: any AWSCredentialProvider
    private let policy: RefreshPolicy
    let clock: any WallClock
    private let logger: Logger
    private let state: Mutex<CredentialCacheState>

    init(provider: any AWSCredentialProvider, policy: RefreshPolicy, clock: any WallClock, logger: Logger, random: JitterGenerator) {
        self.name = provider.name
        self.provider = provider
        self.policy = policy
        self.clock = clock
        self.logger = logger
        self.state = Mutex(CredentialCacheState(random: random))
    }

    /// Starts the first fetch (unless one runs already or the cache is shut down).
    func start() {
        state.withLock { state in
            if !state.isShutDown, state.refreshTask == nil, state.credentials == nil { startRefresh(&state) }
        }
    }

    // MARK: - Reading

    private func isUsable(_ credentials: AWSCredentials, at now: Date) -> Bool {
        credentials.isValid(at: now, margin: policy.expiryMargin)
    }

    func credentials() async throws -> AWSCredentials {
        let now = clock.now()
        let cached = state.withLock { state -> AWSCredentials? in
            guard !state.isShutDown, let credentials = state.credentials, isUsable(credentials, at: now) else { return nil }
            return credentials
        }
        if let cached { return cached }
        return try await waitForRefresh()
    }

    func currentCredentials() throws(CredentialCacheError) -> AWSCredentials {
        let now = clock.now()
        let result = state.withLock { state -> Result<AWSCredentials, CredentialCacheError> in
            if state.isShutDown { return .failure(.shutDown(source: name)) }
            if let credentials = state.credentials, isUsable(credentials, at: now) { return .success(credentials) }
            if !state.isBackingOff, state.refreshTask == nil { startRefresh(&state) }
            if let lastError = state.lastError, state.consecutiveFailures > 0 {
                return .failure(.noValidCredentials(source: name, lastError: lastError))
            }
            return .failure(.refreshPending(source: name))
        }
        return try result.get()
    }

    var status: CredentialCacheStatus {
        state.withLock { $0.status(source: name) }
    }

    func rotations() -> AsyncStream<AWSCredentials> {
        let (stream, continuation) = AsyncStream.makeStream(of: AWSCredentials.self, bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state -> UInt64? in
            guard !state.isShutDown else { return nil }
            let id = state.makeID()
            state.rotationObservers[id] = continuation
            return id
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.rotationObservers.removeValue(forKey: id) }
        }
        return stream
    }

    func shutdown() {
        let (tasks, waiters, observers) = state.withLock { $0.takeForShutdown() }
        // Outside the lock: cancellation handlers and stream terminations run synchronously.
        tasks.forEach { $0.cancel() }
        waiters.forEach { $0.resume(throwing: CredentialCacheError.shutDown(source: name)) }
        observers.forEach { $0.finish() }
    }

    // MARK: - Waiting for a refresh

    private enum WaitDecision {
        case waiting
        case answer(Result<AWSCredentials, any Error>)
    }

    private func waitForRefresh() async throws -> AWSCredentials {
        let id = state.withLock { $0.makeID() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<AWSCredentials, any Error>) in
                let now = clock.now()
                let decision = state.withLock { state -> WaitDecision in
                    if state.isShutDown { return .answer(.failure(CredentialCacheError.shutDown(source: name))) }
                    // A refresh may have finished since the caller first looked.
                    if let credentials = state.credentials, isUsable(credentials, at: now) { return .answer(.success(credentials)) }
                    if state.isBackingOff, let lastError = state.lastError {
                        return .answer(.failure(CredentialCacheError.noValidCredentials(source: name, lastError: lastError)))
                    }
                    if state.refreshTask == nil { startRefresh(&state) }
                    state.waiters[id] = continuation
                    return .waiting
                }
                switch decision {
                case .answer(let result):
                    continuation.resume(with: result)
                case .waiting:
                    // Cancelled before registering: the handler below found nothing to cancel.
                    if Task.isCancelled { cancelWaiter(id) }
                }
            }
        } onCancel: {
            cancelWaiter(id)
        }
    }

    /// A cancelled caller stops waiting at once; the shared refresh goes on for everyone else.
    private func cancelWaiter(_ id: UInt64) {
        state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(throwing: CancellationError())
    }

    // MARK: - Refreshing

    /// Starts the one provider call. Call with the lock held, only when none is in flight.
    private func startRefresh(_ state: inout CredentialCacheState) {
        state.refreshID += 1
        let id = state.refreshID
        // Detached: the refresh serves every caller, so it must not inherit the priority, task
        // locals or actor of whichever caller happened to trigger it.
        state.refreshTask = Task.detached { [self] in
            let result: Result<AWSCredentials, any Error>
            do {
                result = .success(try await provider.credentials())
            } catch {
                result = .failure(error)
            }
            finishRefresh(id: id, result: result)
        }
    }

    private enum Outcome {
        case refreshed(AWSCredentials, observers: [AsyncStream<AWSCredentials>.Continuation])
        case failed(any Error, consecutiveFailures: Int, retryAt: Date, stillValid: AWSCredentials?)
    }

    private struct Settlement {
        var outcome: Outcome
        var waiters: [CheckedContinuation<AWSCredentials, any Error>]
        var previousTimer: Task<Void, Never>?
    }

    private func finishRefresh(id: UInt64, result: Result<AWSCredentials, any Error>) {
        let now = clock.now()
        let result = accepted(result, at: now)
        let settled = state.withLock { state -> Settlement? in
            // Shut down meanwhile: nobody is waiting and nothing may be scheduled.
            guard state.refreshID == id, state.refreshTask != nil, !state.isShutDown else { return nil }
            state.refreshTask = nil
            let waiters = Array(state.waiters.values)
            state.waiters = [:]

            switch result {
            case .success(let credentials):
                state.credentials = credentials
                state.refreshCount += 1
                state.consecutiveFailures = 0
                state.lastRefresh = now
                let next = credentials.expiration.map { expiration in
                    let planned = policy.refreshTime(fetchedAt: now, expiration: expiration, random: state.random.nextUnit())
                    // Never sooner than one backoff step: credentials that live only seconds
                    // must not turn the refresher into a busy loop.
                    return max(planned, now.addingTimeInterval(policy.backoffBase))
                }
                let previous = arm(&state, at: next)
                return Settlement(outcome: .refreshed(credentials, observers: Array(state.rotationObservers.values)), waiters: waiters, previousTimer: previous)

            case .failure(let error):
                state.failureCount += 1
                state.consecutiveFailures += 1
                state.lastError = error
                state.lastFailure = now
                let stillValid = state.credentials.flatMap { isUsable($0, at: now) ? $0 : nil }
                let delay = policy.backoff(afterFailures: state.consecutiveFailures, random: state.random.nextUnit(), holdingUsableCredentials: stillValid != nil)
                let retryAt = now.addingTimeInterval(delay)
                let previous = arm(&state, at: retryAt)
                let outcome = Outcome.failed(error, consecutiveFailures: state.consecutiveFailures, retryAt: retryAt, stillValid: stillValid)
                return Settlement(outcome: outcome, waiters: waiters, previousTimer: previous)
            }
        }
        guard let settled else { return }
        settled.previousTimer?.cancel()

        switch settled.outcome {
        case .refreshed(let credentials, let observers):
            settled.waiters.forEach { $0.resume(returning: credentials) }
            observers.forEach { $0.yield(credentials) }
            logger.debug("refreshed AWS credentials", metadata: [
                "source": "\(name)", "accessKeyID": "\(credentials.accessKeyID)",
                "expiration": "\(credentials.expiration.map { $0.formatted(.iso8601) } ?? "never")",
            ])

        case .failed(let error, let consecutiveFailures, let retryAt, let stillValid):
            let answer: Result<AWSCredentials, any Error> = stillValid.map { .success($0) }
                ?? .failure(CredentialCacheError.noValidCredentials(source: name, lastError: error))
            settled.waiters.forEach { $0.resume(with: answer) }
            logger.warning("refreshing AWS credentials failed; will retry", metadata: [
                "source": "\(name)", "error": "\(error)", "consecutiveFailures": "\(consecutiveFailures)",
                "retryInSeconds": "\(String(format: "%.3f", retryAt.timeIntervalSince(now)))",
                "servingCachedCredentials": "\(stillValid != nil)",
            ])
        }
    }

    /// The provider's answer, with credentials that are (nearly) expired on arrival turned into
    /// a failure: serving them would sign with dead credentials, refreshing at once would spin.
    private func accepted(_ result: Result<AWSCredentials, any Error>, at now: Date) -> Result<AWSCredentials, any Error> {
        guard case .success(let credentials) = result, !isUsable(credentials, at: now) else { return result }
        return .failure(CredentialCacheError.expiredOnArrival(source: name, accessKeyID: credentials.accessKeyID, expiration: credentials.expiration ?? now))
    }

    // MARK: - The timer

    /// Arms the timer for `date` (disarms it for `nil`: credentials that never expire). Call with
    /// the lock held; returns the previous timer, to be cancelled once the lock is released.
    private func arm(_ state: inout CredentialCacheState, at date: Date?) -> Task<Void, Never>? {
        let previous = state.timerTask
        state.timerID += 1
        state.nextRefresh = date
        state.timerTask = nil
        guard let date else { return previous }
        let id = state.timerID
        state.timerTask = Task.detached { [self] in
            do {
                try await clock.sleep(until: date)
            } catch {
                return  // cancelled: re-armed or shut down
            }
            timerFired(id: id)
        }
        return previous
    }

    private func timerFired(id: UInt64) {
        state.withLock { state in
            guard state.timerID == id, !state.isShutDown else { return }
            state.timerTask = nil
            // A caller may have started a refresh already; its outcome re-arms the timer.
            if state.refreshTask == nil { startRefresh(&state) }
        }
    }
}
