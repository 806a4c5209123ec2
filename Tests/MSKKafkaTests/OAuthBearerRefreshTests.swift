import Foundation
import Logging
import MSKAuth
import Synchronization
import Testing
@testable import MSKKafka

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

        func token() async throws -> MSKIAMToken {
            try await Task.sleep(for: delay)
            let number = calls.withLock { $0 += 1; return $0 }
            if failing.withLock({ $0 }) { throw Outage() }
            let end = Int64(Date().timeIntervalSince1970 * 1000) + lifetime.milliseconds
            return MSKIAMToken(value: "token-\(number)", lifetimeMs: end, principal: "ASIATEST")
        }
    }

    static func producer(_ source: SlowTokenSource, _ cluster: MockKafkaCluster) throws -> KafkaProducer {
        try KafkaProducer(configuration: KafkaProducerConfiguration(
            bootstrapServers: [cluster.bootstrapServers],
            authentication: .oauthBearer(OAuthBearerTokenSource(token: { try await source.token() }))
        ), logger: KafkaProducerTests.quiet)
    }

    static func waitUntil(_ condition: () -> Bool) async throws {
        while !condition() { try await Task.sleep(for: .milliseconds(20)) }
    }

    @Test func theCallbackNeverWaitsForASlowTokenSource() async throws {
        let cluster = try MockKafkaCluster()
        let source = SlowTokenSource(delay: .seconds(1), lifetime: .seconds(60))
        let producer = try Self.producer(source, cluster)
        let refresher = try #require(producer.tokenRefresher)
        // librdkafka asks at start-up, long before the slow source has answered.
        try await Self.waitUntil { refresher.callbackStatistics.count >= 1 }
        #expect(producer.counters.tokenRefreshes.value == 0)
        try await Self.waitUntil { producer.counters.tokenRefreshes.value >= 1 }
        #expect(refresher.currentToken?.value == "token-1")
        #expect(refresher.callbackStatistics.slowest < .milliseconds(100))
        await producer.shutdown(timeout: .milliseconds(100))
    }

    @Test func tokensArePushedBeforeTheyEndAndOnDemand() async throws {
        let cluster = try MockKafkaCluster()
        let source = SlowTokenSource(delay: .milliseconds(10), lifetime: .seconds(2))
        let producer = try Self.producer(source, cluster)
        try await Self.waitUntil { producer.counters.tokenRefreshes.value >= 1 }
        // 2-second tokens are replaced at 80 % of their life: at least two more within 4 s.
        try await Task.sleep(for: .seconds(4))
        #expect(producer.counters.tokenRefreshes.value >= 3)
        let before = producer.counters.tokenRefreshes.value
        producer.refreshToken()  // as after a credential rotation or an authentication failure
        try await Self.waitUntil { producer.counters.tokenRefreshes.value > before }
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
}
