import Foundation
import Logging
import Testing
@testable import AWSAuth
import AWSAuthTesting

@Suite(.timeLimit(.minutes(1)))
struct RefreshingCredentialCacheTests {
    /// The outage test fails hundreds of times on purpose; keep its warnings out of the test log.
    static let quiet: Logger = {
        var logger = Logger(label: "test.credentials")
        logger.logLevel = .critical
        return logger
    }()

    /// Lets the background refresher react to the clock and park again.
    static func settle(_ clock: ManualWallClock, _ cache: RefreshingCredentialCache) async throws {
        try await clock.waitForSleepers(1)
        while cache.status.refreshInProgress { try await Task.sleep(for: .milliseconds(1)) }
    }

    @Test(arguments: [3600.0, 30.0])
    func thousandRotationsWithoutAGap(lifetime: TimeInterval) async throws {
        let clock = ManualWallClock()
        let source = CountingCredentialSource(clock: clock, lifetime: lifetime)
        let cache = try RefreshingCredentialCache(provider: source, clock: clock, logger: Self.quiet)
        defer { cache.shutdown() }
        try await Self.settle(clock, cache)
        #expect(source.calls == 1)

        for rotation in 1...1000 {
            let status = cache.status
            let expiration = try #require(status.expiration)
            let nextRefresh = try #require(status.nextRefresh)
            // The refresh fires while the current credentials are still valid, with margin.
            #expect(nextRefresh < expiration.addingTimeInterval(-RefreshPolicy.default.expiryMargin))
            // Just before the refresh, callers get the current credentials from memory.
            clock.advance(to: nextRefresh.addingTimeInterval(-0.001))
            let before = try await cache.credentials()
            #expect(before.isValid(at: clock.now()))
            clock.advance(to: nextRefresh)
            try await Self.settle(clock, cache)
            #expect(cache.status.refreshCount == rotation + 1)
            let after = try await cache.credentials()
            #expect(after.accessKeyID == "ASIATEST\(rotation + 1)")
            #expect(after.isValid(at: clock.now(), margin: min(lifetime / 2, 15 * 60)))
        }
        #expect(source.calls == 1001)
    }

    @Test func outageOfThreeLifetimesIsSurvived() async throws {
        let lifetime: TimeInterval = 3600
        let clock = ManualWallClock()
        let source = CountingCredentialSource(clock: clock, lifetime: lifetime)
        let cache = try RefreshingCredentialCache(provider: source, clock: clock, logger: Self.quiet)
        defer { cache.shutdown() }
        try await Self.settle(clock, cache)
        let first = try await cache.credentials()
        let expiration = try #require(first.expiration)

        source.setFailing(true)
        let outageStart = clock.now()
        var delays: [TimeInterval] = []
        var lastAttempt: Date?
        var sawTypedError = false
        while clock.now() < outageStart.addingTimeInterval(3 * lifetime) {
            let next = try #require(cache.status.nextRefresh)
            clock.advance(to: next)
            try await Self.settle(clock, cache)
            if let lastAttempt, cache.status.consecutiveFailures > 1 { delays.append(next.timeIntervalSince(lastAttempt)) }
            lastAttempt = next
            if clock.now() < expiration.addingTimeInterval(-RefreshPolicy.default.expiryMargin) {
                // Still valid: served from the cache despite the outage.
                #expect(try await cache.credentials() == first)
            } else {
                do {
                    _ = try await cache.credentials()
                    Issue.record("expected no valid credentials at \(clock.now())")
                } catch let error as CredentialCacheError {
                    guard case .noValidCredentials(_, let lastError) = error else { throw error }
                    #expect(lastError is CredentialCacheError || "\(lastError)".contains("outage"))
                    sawTypedError = true
                }
            }
        }
        #expect(sawTypedError)
        #expect(cache.status.consecutiveFailures > 100)
        // Backoff grows, then stays capped (equal jitter: between cap/2 and cap) — at 60 s while
        // the credentials serve, at 5 s once they have expired.
        #expect(try #require(delays.first) < 3)
        #expect(delays.contains { $0 >= 30 && $0 <= 60.001 })
        #expect(delays.suffix(50).allSatisfy { $0 >= 2.5 && $0 <= 5.001 })
        #expect(cache.status.lastError?.contains("outage") == true)

        source.setFailing(false)
        clock.advance(to: try #require(cache.status.nextRefresh))
        try await Self.settle(clock, cache)
        let recovered = try await cache.credentials()
        #expect(recovered.isValid(at: clock.now()))
        #expect(cache.status.consecutiveFailures == 0)
        // And the refresher keeps rotating afterwards.
        let refreshes = cache.status.refreshCount
        clock.advance(to: try #require(cache.status.nextRefresh))
        try await Self.settle(clock, cache)
        #expect(cache.status.refreshCount == refreshes + 1)
    }

    @Test func hundredConcurrentCallersCauseOneFetch() async throws {
        let clock = ManualWallClock()
        let source = CountingCredentialSource(clock: clock, lifetime: 3600, delay: .milliseconds(200))
        let cache = try RefreshingCredentialCache(provider: source, clock: clock, logger: Self.quiet)
        defer { cache.shutdown() }
        let keys = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<100 { group.addTask { try await cache.credentials().accessKeyID } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(keys == ["ASIATEST1"])
        #expect(source.calls == 1)
    }

    @Test func shortLivedCredentialsAreRefreshedBeforeTheTokenWindow() async throws {
        // 10-minute credentials are shorter than the 20-minute window: refresh at half-life.
        let clock = ManualWallClock()
        let source = CountingCredentialSource(clock: clock, lifetime: 600)
        let cache = try RefreshingCredentialCache(provider: source, clock: clock, logger: Self.quiet)
        defer { cache.shutdown() }
        try await Self.settle(clock, cache)
        let status = cache.status
        let remainingAtRefresh = try #require(status.expiration).timeIntervalSince(try #require(status.nextRefresh))
        #expect(remainingAtRefresh >= 300 && remainingAtRefresh <= 330)
    }

    @Test func expiredOnArrivalIsAFailureNotASpin() async throws {
        let clock = ManualWallClock()
        let source = CountingCredentialSource(clock: clock, lifetime: 1)
        let cache = try RefreshingCredentialCache(provider: source, clock: clock, logger: Self.quiet)
        defer { cache.shutdown() }
        try await Self.settle(clock, cache)
        #expect(source.calls == 1)
        #expect(cache.status.failureCount == 1)
        #expect(cache.status.lastError?.contains("too soon to use") == true)
    }

    @Test func rotationsAreAnnounced() async throws {
        let clock = ManualWallClock()
        let source = CountingCredentialSource(clock: clock, lifetime: 3600)
        let cache = try RefreshingCredentialCache(provider: source, clock: clock, logger: Self.quiet)
        let rotations = cache.rotations()
        try await Self.settle(clock, cache)
        clock.advance(to: try #require(cache.status.nextRefresh))
        try await Self.settle(clock, cache)
        cache.shutdown()
        var seen: [String] = []
        for await credentials in rotations { seen.append(credentials.accessKeyID) }
        #expect(seen.last == "ASIATEST2")
        await #expect(throws: CredentialCacheError.self) { try await cache.credentials() }
    }

    @Test func longTermCredentialsAreFetchedOnce() async throws {
        let clock = ManualWallClock()
        let source = CountingCredentialSource(clock: clock, lifetime: nil)
        let cache = try RefreshingCredentialCache(provider: source, clock: clock, logger: Self.quiet)
        defer { cache.shutdown() }
        for _ in 0..<10 { _ = try await cache.credentials() }
        clock.advance(by: 365 * 86400)
        _ = try await cache.credentials()
        #expect(source.calls == 1)
    }

    @Test func invalidPoliciesAreRefused() {
        #expect(throws: CredentialCacheError.self) {
            try RefreshingCredentialCache(provider: CountingCredentialSource(clock: ManualWallClock(), lifetime: 1), policy: RefreshPolicy(backoffBase: 10, backoffCap: 1))
        }
        #expect(throws: CredentialCacheError.self) {
            try RefreshPolicy(maximumLifetimeFraction: 1.5).validated()
        }
    }

    @Test func statusAndErrorsNeverShowSecrets() async throws {
        let clock = ManualWallClock()
        let source = CountingCredentialSource(clock: clock, lifetime: 3600)
        let cache = try RefreshingCredentialCache(provider: source, clock: clock, logger: Self.quiet)
        defer { cache.shutdown() }
        _ = try await cache.credentials()
        let texts = [cache.status.description, "\(CredentialCacheError.noValidCredentials(source: "x", lastError: CountingCredentialSource.Outage()))"]
        for text in texts {
            #expect(!text.contains("secret-1"))
            #expect(!text.contains("session-token-1"))
        }
        #expect(cache.status.description.contains("ASIATEST1"))
    }

    @Test func releasingTheCacheStopsTheRefresher() async throws {
        let clock = ManualWallClock()
        let source = CountingCredentialSource(clock: clock, lifetime: 3600)
        weak var weakCache: RefreshingCredentialCache?
        do {
            let cache = try RefreshingCredentialCache(provider: source, clock: clock, logger: Self.quiet)
            weakCache = cache
            try await Self.settle(clock, cache)
        }
        #expect(weakCache == nil)
        // Releasing the cache cancels its timer at once (cancellation handlers run
        // synchronously), so nothing sleeps on the clock any more: no advance can wake a refresh.
        // A live refresher would still be parked here, whatever the timing.
        #expect(clock.sleeperCount == 0)
        clock.advance(by: 7200)
        #expect(source.calls == 1)
    }
}
