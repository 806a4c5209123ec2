import Foundation
import Logging
import Synchronization

/// Shares one set of AWS credentials between every caller and keeps it fresh in the background.
///
/// - **One lock.** All state sits behind a single `Mutex`; reading valid cached credentials is a
///   lock and a comparison — cheap enough to run on every token mint.
/// - **Single flight.** Callers that find no valid credentials wait on the one refresh in
///   progress; a hundred of them cause one call to the provider.
/// - **Proactive.** A background task refreshes ahead of expiration as the ``RefreshPolicy``
///   says, so callers almost never wait.
/// - **Never gives up.** A failed refresh is logged and retried with exponential backoff and
///   jitter, forever. The last credentials are served while still valid; once none are,
///   callers get ``CredentialCacheError/noValidCredentials(source:lastError:)`` carrying the
///   latest failure, and the next call tries again.
///
/// Call ``shutdown()`` when done (the cache also stops when released).
public final class RefreshingCredentialCache: AWSCredentialProvider {
    public var name: String { provider.name }

    private let provider: any AWSCredentialProvider
    private let policy: RefreshPolicy
    private let clock: any WallClock
    private let logger: Logger
    private let state: Mutex<State>

    private struct State {
        var credentials: AWSCredentials?
        var inFlight: Task<AWSCredentials, any Error>?
        var nextRefresh: Date?
        var refreshCount = 0
        var failureCount = 0
        var consecutiveFailures = 0
        var lastError: (any Error)?
        var lastRefresh: Date?
        var rotationObservers: [UInt64: AsyncStream<AWSCredentials>.Continuation] = [:]
        var nextObserverID: UInt64 = 0
        var refresher: Task<Void, Never>?
        var isShutDown = false
    }

    /// Wraps `provider`; the background refresher starts at once (so the first credentials are
    /// usually ready before anyone asks).
    /// - Throws: ``CredentialCacheError/invalidPolicy(field:value:)``.
    public init(
        provider: any AWSCredentialProvider,
        policy: RefreshPolicy = .default,
        clock: any WallClock = SystemWallClock(),
        logger: Logger = Logger(label: "swift-msk-kafka.credentials")
    ) throws(CredentialCacheError) {
        self.provider = provider
        self.policy = try policy.validated()
        self.clock = clock
        self.logger = logger
        self.state = Mutex(State())
        let weakSelf = WeakCache(self)
        let refresher = Task { await Self.refreshLoop(weakSelf) }
        state.withLock { $0.refresher = refresher }
    }

    deinit {
        let (refresher, observers) = state.withLock { ($0.refresher, $0.rotationObservers.values) }
        refresher?.cancel()
        for observer in observers { observer.finish() }
    }

    /// Valid credentials: the cached ones, or those of a refresh (joined if one is running).
    public func credentials() async throws -> AWSCredentials {
        let now = clock.now()
        let outcome = state.withLock { state -> CachedOrPending in
            if state.isShutDown { return .shutDown }
            if let cached = state.credentials, cached.isValid(at: now, margin: policy.expiryMargin) {
                return .cached(cached)
            }
            return .pending(startRefreshLocked(&state))
        }
        let pending: Task<AWSCredentials, any Error>
        switch outcome {
        case .cached(let credentials): return credentials
        case .shutDown: throw CredentialCacheError.shutDown(source: provider.name)
        case .pending(let task): pending = task
        }
        do {
            return try await pending.value
        } catch {
            throw CredentialCacheError.noValidCredentials(source: provider.name, lastError: error)
        }
    }

    /// A snapshot for dashboards and health checks.
    public var status: CredentialCacheStatus {
        state.withLock { state in
            CredentialCacheStatus(
                source: provider.name,
                refreshCount: state.refreshCount,
                failureCount: state.failureCount,
                consecutiveFailures: state.consecutiveFailures,
                lastError: state.lastError.map { "\($0)" },
                lastRefresh: state.lastRefresh,
                accessKeyID: state.credentials?.accessKeyID,
                expiration: state.credentials?.expiration,
                nextRefresh: state.nextRefresh,
                refreshInProgress: state.inFlight != nil
            )
        }
    }

    /// A stream of every newly fetched set of credentials, from now on. The Kafka layer uses
    /// it to push a fresh token as soon as credentials rotate. Ends at ``shutdown()``.
    public func rotations() -> AsyncStream<AWSCredentials> {
        let (stream, continuation) = AsyncStream.makeStream(of: AWSCredentials.self, bufferingPolicy: .bufferingNewest(1))
        let registered: UInt64? = state.withLock { state in
            guard !state.isShutDown else { return nil }
            let id = state.nextObserverID
            state.nextObserverID += 1
            state.rotationObservers[id] = continuation
            return id
        }
        guard let registered else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.rotationObservers.removeValue(forKey: registered) }
        }
        return stream
    }

    /// Stops the background refresher and ends every rotation stream. Later calls to
    /// ``credentials()`` fail with ``CredentialCacheError/shutDown(source:)``.
    public func shutdown() {
        let (refresher, inFlight, observers) = state.withLock { state in
            state.isShutDown = true
            defer { state.rotationObservers = [:] }
            return (state.refresher, state.inFlight, Array(state.rotationObservers.values))
        }
        refresher?.cancel()
        inFlight?.cancel()
        for observer in observers { observer.finish() }
    }

    // MARK: - Refreshing

    /// Starts a refresh unless one runs already; must be called with the lock held.
    private func startRefreshLocked(_ state: inout State) -> Task<AWSCredentials, any Error> {
        if let inFlight = state.inFlight { return inFlight }
        let task = Task { [provider] in
            let result: Result<AWSCredentials, any Error>
            do {
                result = .success(try await provider.credentials())
            } catch {
                result = .failure(error)
            }
            self.finishRefresh(result)
            return try result.get()
        }
        state.inFlight = task
        return task
    }

    private func finishRefresh(_ fetched: Result<AWSCredentials, any Error>) {
        let now = clock.now()
        var result = fetched
        if case .success(let credentials) = fetched, !credentials.isValid(at: now, margin: policy.expiryMargin) {
            // Serving these would sign with dead credentials; refreshing at once would spin.
            result = .failure(CredentialCacheError.expiredOnArrival(source: provider.name, accessKeyID: credentials.accessKeyID, expiration: credentials.expiration ?? now))
        }
        switch result {
        case .success(let credentials):
            let observers = state.withLock { state in
                state.inFlight = nil
                state.credentials = credentials
                state.refreshCount += 1
                state.consecutiveFailures = 0
                state.lastRefresh = now
                state.nextRefresh = credentials.expiration.map {
                    let planned = policy.refreshTime(fetchedAt: now, expiration: $0, random: Double.random(in: 0...1))
                    return max(planned, now.addingTimeInterval(policy.backoffBase))
                }
                return Array(state.rotationObservers.values)
            }
            logger.debug("refreshed AWS credentials", metadata: [
                "source": "\(provider.name)", "accessKeyID": "\(credentials.accessKeyID)",
                "expiration": "\(credentials.expiration.map { $0.formatted(.iso8601) } ?? "never")",
            ])
            for observer in observers { observer.yield(credentials) }
        case .failure(let error):
            let (failures, stillValid) = state.withLock { state in
                state.inFlight = nil
                state.failureCount += 1
                state.consecutiveFailures += 1
                state.lastError = error
                let delay = policy.backoff(afterFailures: state.consecutiveFailures, random: Double.random(in: 0...1))
                state.nextRefresh = now.addingTimeInterval(delay)
                return (state.consecutiveFailures, state.credentials?.isValid(at: now, margin: policy.expiryMargin) ?? false)
            }
            logger.warning("refreshing AWS credentials failed; will retry", metadata: [
                "source": "\(provider.name)", "error": "\(error)", "consecutiveFailures": "\(failures)",
                "servingCachedCredentials": "\(stillValid)",
            ])
        }
    }

    /// What the background refresher should do next.
    private enum Step {
        case sleep(until: Date)
        case refresh(Task<AWSCredentials, any Error>)
        case stop
    }

    private func nextStep() -> Step {
        let now = clock.now()
        return state.withLock { state in
            if state.isShutDown { return .stop }
            if let inFlight = state.inFlight { return .refresh(inFlight) }
            if let cached = state.credentials, cached.expiration == nil { return .stop }
            if let next = state.nextRefresh, next > now { return .sleep(until: next) }
            return .refresh(startRefreshLocked(&state))
        }
    }

    /// The background loop. It holds the cache weakly while sleeping, so that releasing the
    /// cache ends the loop.
    private static func refreshLoop(_ weakCache: WeakCache) async {
        while !Task.isCancelled {
            guard let (clock, step) = weakCache.value.map({ ($0.clock, $0.nextStep()) }) else { return }
            switch step {
            case .stop:
                return
            case .refresh(let task):
                _ = await task.result
            case .sleep(let deadline):
                do { try await clock.sleep(until: deadline) } catch { return }
            }
        }
    }
}

/// A weak reference the refresher holds, so that it never keeps the cache alive.
private final class WeakCache: Sendable {
    // `weak let` is not available; a Mutex makes the weak var safe to read from any task.
    private let reference: Mutex<WeakBox>

    private struct WeakBox { weak var cache: RefreshingCredentialCache? }

    init(_ cache: RefreshingCredentialCache) { reference = Mutex(WeakBox(cache: cache)) }

    var value: RefreshingCredentialCache? { reference.withLock { $0.cache } }
}

/// What a caller found under the lock: the fast path returns cached credentials directly.
private enum CachedOrPending {
    case cached(AWSCredentials)
    case pending(Task<AWSCredentials, any Error>)
    case shutDown
}
