import Foundation
import Logging
import Synchronization
import Testing
import TestSupport
@testable import MSKKafka
import MSKKafkaTesting

/// The mechanics of the IAM wiring on a real librdkafka handle. (Authentication itself is
/// proved end to end against the local MSK stand-in; the mock cluster speaks no SASL.)
@Suite(.timeLimit(.minutes(1)))
struct OAuthBearerRefreshTests {
    /// A token source that takes `delay` (a slow STS) and mints tokens living `lifetime`.
    final class SlowTokenSource: Sendable {
        let calls = Mutex(0)
        let failing = Mutex(false)
        let delay: Duration
        let lifetime: Duration

        init(delay: Duration, lifetime: Duration) {
            self.delay = delay
            self.lifetime = lifetime
        }

        struct Outage: Error, CustomStringConvertible { var description: String { "STS is down" } }

        func token() async throws -> OAuthBearerToken {
            try await Task.sleep(for: delay)
            let number = calls.withLock { $0 += 1; return $0 }
            if failing.withLock({ $0 }) { throw Outage() }
            let end = Int64(Date().timeIntervalSince1970 * 1000) + lifetime.milliseconds
            return OAuthBearerToken(value: "token-\(number)", lifetimeMs: end, principalName: "ASIATEST")
        }
    }

    static func producer(_ source: SlowTokenSource, _ cluster: MockKafkaCluster) throws -> KafkaProducer {
        try KafkaProducer(configuration: KafkaProducerConfiguration(connection: KafkaConnectionConfiguration(
            bootstrapServers: [cluster.bootstrapServers],
            authentication: .oauthBearer(OAuthBearerTokenSource(token: { try await source.token() }))
        )), logger: KafkaProducerTests.quiet)
    }

    /// Waits for `condition` (up to `limit`); records an issue if it never held.
    static func waitUntil(_ what: String = "the condition", within limit: Duration = .seconds(20), sourceLocation: SourceLocation = #_sourceLocation,
                          _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + limit
        while !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(condition(), "\(what) did not hold within \(limit)", sourceLocation: sourceLocation)
    }

    @Test func theCallbackNeverWaitsForASlowTokenSource() async throws {
        let cluster = try MockKafkaCluster()
        let source = SlowTokenSource(delay: .seconds(3), lifetime: .seconds(60))
        let producer = try Self.producer(source, cluster)
        let refresher = try #require(producer.tokenRefresher)
        // librdkafka asks at start-up, long before the slow source has answered.
        try await Self.waitUntil { refresher.callbackStatistics.count >= 1 }
        #expect(producer.counters.tokenRefreshes.value == 0)
        try await Self.waitUntil { producer.counters.tokenRefreshes.value >= 1 }
        #expect(refresher.currentToken?.value == "token-1")
        // Had the callback waited for the source, it would have taken its 3 s.
        #expect(refresher.callbackStatistics.slowest < .seconds(1))
        await producer.shutdown(timeout: .milliseconds(100))
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["MSK_ISOLATED_TESTS"] != nil, "timing-sensitive: runs apart from the busy suite (scripts/test.sh sets MSK_ISOLATED_TESTS)"))
    func eachTokenIsReplacedBeforeItEndsAndOnDemand() async throws {
        // Nothing listens: no connection, so no authentication failure wakes the refresher, and
        // the pushes come from its own schedule.
        let nowhere = try UnlistenedPort()
        defer { nowhere.close() }
        let source = SlowTokenSource(delay: .milliseconds(10), lifetime: .seconds(12))
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(connection: KafkaConnectionConfiguration(
            bootstrapServers: ["127.0.0.1:\(nowhere.port)"],
            authentication: .oauthBearer(OAuthBearerTokenSource(token: { try await source.token() }))
        )), logger: KafkaProducerTests.quiet)
        let refresher = try #require(producer.tokenRefresher)
        // 12-second tokens are replaced 10 s before their end (librdkafka's own callback would
        // ask only at 9.6 s): four pushes take some 6 s. Each must come before the token it
        // replaces ends — a gap is a window in which a reconnect authenticates with a dead token.
        try await Self.waitUntil("four token pushes") { refresher.tokenPushes.count >= 4 }
        let pushes = refresher.tokenPushes
        for (previous, next) in zip(pushes, pushes.dropFirst()) {
            #expect(next.atMs < previous.lifetimeMs, "a token was pushed \(next.atMs - previous.lifetimeMs) ms after the previous one ended (\(next.reason))")
        }
        // librdkafka asks once at start (while the first token is minted); the rest is the schedule.
        #expect(pushes.filter { $0.reason == "scheduled" }.count >= 2, "\(pushes.map(\.reason))")
        let before = pushes.count
        producer.refreshToken()  // as the application may ask
        try await Self.waitUntil("a push on demand") { refresher.tokenPushes.dropFirst(before).contains { $0.reason.contains("requested by the application") } }
        await producer.shutdown(timeout: .milliseconds(100))
    }

    @Test func aCredentialRotationPushesANewTokenAtOnce() async throws {
        let nowhere = try UnlistenedPort()  // no connection: nothing else asks for a token
        defer { nowhere.close() }
        let source = SlowTokenSource(delay: .milliseconds(10), lifetime: .seconds(600))
        let (rotations, rotate) = AsyncStream<Void>.makeStream()
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(connection: KafkaConnectionConfiguration(
            bootstrapServers: ["127.0.0.1:\(nowhere.port)"],
            authentication: .oauthBearer(OAuthBearerTokenSource(token: { try await source.token() }, rotations: { rotations }))
        )), logger: KafkaProducerTests.quiet)
        let refresher = try #require(producer.tokenRefresher)
        try await Self.waitUntil("the first token") { refresher.tokenPushes.count >= 1 }
        // The next scheduled push is 480 s away: a push now can only be the rotation's.
        rotate.yield()
        try await Self.waitUntil("a push after the rotation") { refresher.tokenPushes.contains { $0.reason.contains("credentials rotated") } }
        #expect(producer.counters.credentialRefreshes.value == 1)
        await producer.shutdown(timeout: .milliseconds(100))
    }

    @Test func aFailingSourceIsRetriedWithoutCrashing() async throws {
        let cluster = try MockKafkaCluster()
        let source = SlowTokenSource(delay: .milliseconds(10), lifetime: .seconds(60))
        source.failing.withLock { $0 = true }
        let producer = try Self.producer(source, cluster)
        try await Self.waitUntil { producer.counters.tokenRefreshFailures.value >= 2 }
        #expect(producer.counters.tokenRefreshes.value == 0)
        source.failing.withLock { $0 = false }
        producer.refreshToken()
        try await Self.waitUntil { producer.counters.tokenRefreshes.value >= 1 }
        await producer.shutdown(timeout: .milliseconds(100))
    }

    @Test func theNextTokenIsMintedAtEightyPercentAndNeverLaterThanTenSecondsBeforeTheEnd() {
        #expect(OAuthBearerTokenRefresher.refreshDelay(remainingMs: 900_000) == .milliseconds(720_000))  // a 15-minute token: at 12 min
        #expect(OAuthBearerTokenRefresher.refreshDelay(remainingMs: 30_000) == .milliseconds(20_000))    // 10 s before the end, not 6
        #expect(OAuthBearerTokenRefresher.refreshDelay(remainingMs: 5_000) == .milliseconds(1_000))      // at least a second from now
        #expect(OAuthBearerTokenRefresher.refreshDelay(remainingMs: 0) == .milliseconds(1_000))
    }
}
