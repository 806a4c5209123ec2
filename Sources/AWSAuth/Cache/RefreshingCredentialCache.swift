import Foundation
import Logging

/// Shares one set of AWS credentials between every caller and keeps it fresh in the background.
///
/// Create **one** cache per credential source and give it to everything that signs; it is
/// itself an ``AWSCredentialProvider``.
///
/// - **One lock.** All state sits behind a single `Mutex`; reading valid cached credentials is a
///   lock and a comparison, with no suspension — cheap enough to run on every token mint.
///   ``currentCredentials()`` does the same without `async`, for code that must never wait.
/// - **Single flight.** At most one provider call is in flight. Callers that find no valid
///   credentials wait for it and all get its outcome: a hundred of them cause one call.
/// - **Proactive.** A timer refreshes ahead of expiration as the ``RefreshPolicy`` says, while
///   the old credentials are still served, so callers almost never wait. Credentials without an
///   expiration are fetched once.
/// - **Never gives up.** A failed refresh is logged and retried with exponential backoff and
///   jitter, forever. The last credentials are served while still valid; once none are,
///   callers get ``CredentialCacheError/noValidCredentials(source:lastError:)`` carrying the
///   latest failure, at once — only the backoff schedule calls the provider, however many
///   callers ask — until a retry succeeds.
/// - **Observable.** ``status`` is a snapshot for operators; ``rotations()`` streams every new
///   set of credentials (the Kafka layer pushes a fresh token on each).
///
/// The first fetch starts when the cache is created. ``shutdown()`` stops everything; so does
/// releasing the last reference to the cache.
public final class RefreshingCredentialCache: AWSCredentialProvider {
    /// The wrapped provider's name.
    public var name: String { refresher.name }

    /// The clock the cache reads expirations against and sleeps on. Whatever signs with its
    /// credentials should take its time from here too, so that a signature and the
    /// credentials' remaining life are judged at the same instant (MSK tokens do).
    public var clock: any WallClock { refresher.clock }

    private let refresher: CredentialRefresher

    /// Wraps `provider` and starts fetching at once (so the first credentials are usually ready
    /// before anyone asks).
    ///
    /// - Parameters:
    ///   - provider: the source of credentials; the cache calls it from one task at a time.
    ///   - policy: when to refresh and how to back off; see ``RefreshPolicy``.
    ///   - clock: the source of time; AWSAuthTesting's `ManualWallClock` in tests.
    ///   - logger: one warning per failed refresh, one debug message per rotation; never a secret.
    /// - Throws: ``CredentialCacheError/invalidPolicy(field:value:)``.
    public convenience init(
        provider: any AWSCredentialProvider,
        policy: RefreshPolicy = .default,
        clock: any WallClock = SystemWallClock(),
        logger: Logger = Logger(label: "swift-msk-kafka.credentials")
    ) throws(CredentialCacheError) {
        try self.init(provider: provider, policy: policy, clock: clock, logger: logger, random: JitterGenerator())
    }

    /// Creates a cache whose jitter comes from `random` (tests pass a seeded generator).
    init(provider: any AWSCredentialProvider, policy: RefreshPolicy, clock: any WallClock, logger: Logger, random: JitterGenerator) throws(CredentialCacheError) {
        refresher = CredentialRefresher(provider: provider, policy: try policy.validated(), clock: clock, logger: logger, random: random)
        refresher.start()
    }

    deinit {
        refresher.shutdown()
    }

    /// Valid credentials: the cached ones, or the outcome of the refresh in progress (joined, or
    /// started if none runs and the refresher is not backing off).
    ///
    /// The credentials carry their ``AWSCredentials/expiration``: whatever is signed with them
    /// must not outlive it (an MSK token's lifetime is cut to it).
    ///
    /// - Throws: ``CredentialCacheError/noValidCredentials(source:lastError:)`` when none can be
    ///   had now, ``CredentialCacheError/shutDown(source:)`` after ``shutdown()``, and
    ///   `CancellationError` when the calling task is cancelled while waiting (the shared refresh
    ///   carries on for everyone else).
    public func credentials() async throws -> AWSCredentials {
        try await refresher.credentials()
    }

    /// The cached credentials if they are valid now, without ever waiting — for callbacks that
    /// must not block, such as librdkafka's token refresh callback.
    ///
    /// When there are none and no refresh is running (and the refresher is not backing off), a
    /// refresh is started in the background, so that a later call can succeed.
    ///
    /// - Throws: ``CredentialCacheError/noValidCredentials(source:lastError:)``,
    ///   ``CredentialCacheError/refreshPending(source:)`` before the first refresh has ended, or
    ///   ``CredentialCacheError/shutDown(source:)``.
    public func currentCredentials() throws(CredentialCacheError) -> AWSCredentials {
        try refresher.currentCredentials()
    }

    /// A snapshot for dashboards and health checks. Never contains a secret.
    public var status: CredentialCacheStatus {
        refresher.status
    }

    /// A stream of every newly fetched set of credentials, from now on. Each call returns an
    /// independent stream that keeps only the newest value for a slow consumer. The Kafka layer
    /// uses it to push a fresh token as soon as credentials rotate. Ends at ``shutdown()``.
    public func rotations() -> AsyncStream<AWSCredentials> {
        refresher.rotations()
    }

    /// Stops the refresher: cancels the timer and any provider call in flight, fails waiting
    /// callers with ``CredentialCacheError/shutDown(source:)`` and ends every rotation stream.
    /// Later calls to ``credentials()`` fail the same way. Calling it again does nothing.
    public func shutdown() {
        refresher.shutdown()
    }
}
