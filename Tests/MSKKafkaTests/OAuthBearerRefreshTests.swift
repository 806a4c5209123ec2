import AWSAuthTesting
import Foundation
import Logging
import Synchronization
import Testing
import TestSupport
@testable import MSKKafka
import MSKKafkaTesting

/// The refresher on a real librdkafka handle, on a manual clock: token lifetimes from seconds
/// to a quarter of an hour are stepped through in milliseconds, and each step asserts when the
/// next token is minted. (That a refreshed token is what the broker then authenticates is
/// proved against msk-local on the real clock: `GatewayEndToEndTests`; the mock cluster speaks
/// no SASL.)
///
/// Nothing here waits for time to pass, so a busy machine cannot fail these tests; its only
/// effect is on how long librdkafka's threads and the refresher's tasks take to be scheduled,
/// which the generous limits below absorb (in the full parallel suite on 2 cores, tests of
/// this suite were seen to finish up to 52 s after they started, a pure function's 20 s).
@Suite(.timeLimit(.minutes(2)))
struct OAuthBearerRefreshTests {
    /// A manual clock a day ahead of the real one. librdkafka reads token lifetimes against its
    /// own clock: it refuses a token that has ended by it, and asks for a new one at 80 % of
    /// what is left by it. A day ahead, neither happens while a test runs, so every push is the
    /// refresher's own doing.
    static func clock() -> ManualWallClock { ManualWallClock(start: Date().addingTimeInterval(86_400)) }

    static func milliseconds(_ date: Date) -> Int64 { OAuthBearerToken.milliseconds(since1970: date) }

    /// Mints tokens on `clock` living `lifetimes` in turn; with `mintingTime`, each mint first
    /// waits that long on the clock (a slow STS that only a test's `advance` gets past).
    final class TokenSource: Sendable {
        let clock: ManualWallClock
        let lifetimes: [Duration]
        let mintingTime: TimeInterval?
        let calls = Mutex(0)
        let failing = Mutex(false)
        let extensions = Mutex<[String: String]>([:])

        init(clock: ManualWallClock, lifetimes: [Duration], mintingTime: TimeInterval? = nil) {
            self.clock = clock
            self.lifetimes = lifetimes
            self.mintingTime = mintingTime
        }

        struct Outage: Error, CustomStringConvertible { var description: String { "STS is down" } }

        func token() async throws -> OAuthBearerToken {
            if let mintingTime { try await clock.sleep(until: clock.now().addingTimeInterval(mintingTime)) }
            let number = calls.withLock { $0 += 1; return $0 }
            if failing.withLock({ $0 }) { throw Outage() }
            let lifetime = lifetimes[(number - 1) % lifetimes.count]
            return OAuthBearerToken(value: "token-\(number)", lifetimeMs: OAuthBearerRefreshTests.milliseconds(clock.now()) + lifetime.milliseconds,
                                    principalName: "ASIATEST", extensions: extensions.withLock { $0 })
        }

        func authentication(rotations: AsyncStream<Void>? = nil) -> KafkaAuthentication {
            var rotationSignals: (@Sendable () -> AsyncStream<Void>)?
            if let rotations { rotationSignals = { rotations } }
            return .oauthBearer(OAuthBearerTokenSource(token: { try await self.token() }, rotations: rotationSignals, clock: clock))
        }
    }

    static func producer(_ authentication: KafkaAuthentication, bootstrapServers: String) throws -> KafkaProducer {
        try KafkaProducer(configuration: KafkaProducerConfiguration(
            connection: KafkaConnectionConfiguration(bootstrapServers: [bootstrapServers], authentication: authentication)
        ), logger: KafkaProducerTests.quiet)
    }

    /// Waits for `condition` (up to `limit`); records an issue if it never held. Only for what
    /// librdkafka's own threads do: the refresher's schedule is awaited on the clock.
    static func waitUntil(_ what: String = "the condition", within limit: Duration = .seconds(60), sourceLocation: SourceLocation = #_sourceLocation,
                          _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + limit
        while !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(condition(), "\(what) did not hold within \(limit)", sourceLocation: sourceLocation)
    }

    /// Waits until librdkafka has asked for its first token (once, at start) and the refresher
    /// has answered and parked until its next scheduled refresh.
    static func settle(_ refresher: OAuthBearerTokenRefresher, on clock: ManualWallClock) async throws {
        try await waitUntil("librdkafka's first request") { refresher.callbackStatistics.count >= 1 }
        try await waitUntil("the refresher parked") { refresher.isWaitingForSchedule && clock.sleeperCount == 1 }
    }

    /// A producer on `source`'s tokens, pointed at a port where nothing listens — no
    /// connection, so no authentication failure wakes the refresher — once librdkafka has asked
    /// for its first token and the refresher has parked until its next scheduled refresh.
    struct UnconnectedProducer {
        let producer: KafkaProducer
        let refresher: OAuthBearerTokenRefresher
        let nowhere: UnlistenedPort

        init(_ source: TokenSource, rotations: AsyncStream<Void>? = nil) async throws {
            nowhere = try UnlistenedPort()
            producer = try OAuthBearerRefreshTests.producer(source.authentication(rotations: rotations), bootstrapServers: "127.0.0.1:\(nowhere.port)")
            refresher = try #require(producer.tokenRefresher)
            try await OAuthBearerRefreshTests.settle(refresher, on: source.clock)
        }

        func shutdown() async {
            await producer.shutdown(timeout: .milliseconds(100))
            nowhere.close()
        }
    }

    @Test func theCallbackNeverWaitsForASlowTokenSource() async throws {
        let cluster = try MockKafkaCluster()
        let clock = Self.clock()
        let source = TokenSource(clock: clock, lifetimes: [.seconds(60)], mintingTime: 3)
        let producer = try Self.producer(source.authentication(), bootstrapServers: cluster.bootstrapServers)
        let refresher = try #require(producer.tokenRefresher)
        // librdkafka asks at start-up; its callback returns while the source is still stuck in
        // its 3 s, which never pass unless the test moves the clock.
        try await Self.waitUntil { refresher.callbackStatistics.count >= 1 }
        try await clock.waitForSleepers(1)
        #expect(producer.counters.tokenRefreshes.value == 0)
        #expect(refresher.currentToken == nil)
        clock.advance(by: 3)
        try await Self.waitUntil { producer.counters.tokenRefreshes.value >= 1 }
        #expect(refresher.currentToken?.value == "token-1")
        #expect(refresher.callbackStatistics.slowest < .seconds(1))
        await producer.shutdown(timeout: .milliseconds(100))
    }

    @Test func eachTokenIsReplacedOnScheduleBeforeItEndsAndOnDemand() async throws {
        // Every push but the answer to librdkafka's first request comes from the schedule.
        let clock = Self.clock()
        // A quarter of an hour (minted at 80 %), 30 s (10 s before the end), 12 s (the margin
        // again) and 3 s (no sooner than a second on): each rule of the schedule, three times.
        let source = TokenSource(clock: clock, lifetimes: [.seconds(900), .seconds(30), .seconds(12), .seconds(3)])
        let client = try await UnconnectedProducer(source)
        let (producer, refresher) = (client.producer, client.refresher)
        for _ in 0..<12 {
            let current = try #require(refresher.tokenPushes.last)
            let deadline = Self.milliseconds(try #require(clock.nextDeadline))
            // Within a millisecond: dates are Doubles, and a millisecond count can come out one short.
            let expected = current.atMs + OAuthBearerTokenRefresher.refreshDelay(remainingMs: current.lifetimeMs - current.atMs).milliseconds
            #expect(abs(deadline - expected) <= 1, "a token of \(current.lifetimeMs - current.atMs) ms replaced \(deadline - current.atMs) ms on")
            // A gap would be a window in which a reconnect authenticates with a dead token.
            #expect(deadline < current.lifetimeMs, "the next token comes \(deadline - current.lifetimeMs) ms after the current one ends")
            clock.advanceToNextDeadline()
            try await clock.waitForSleepers(1)
            let next = try #require(refresher.tokenPushes.last)
            #expect(next.reason == "scheduled")
            #expect(abs(next.atMs - deadline) <= 1)
        }
        #expect(source.calls.withLock { $0 } >= 13)
        // On demand, as the application may ask: at once, the clock unmoved.
        let before = refresher.tokenPushes.count
        producer.refreshToken()
        try await Self.waitUntil("a push on demand") { refresher.tokenPushes.count > before && refresher.isWaitingForSchedule }
        let onDemand = try #require(refresher.tokenPushes.last)
        #expect(onDemand.reason.contains("requested by the application"), "\(onDemand.reason)")
        #expect(onDemand.atMs == Self.milliseconds(clock.now()))
        await client.shutdown()
    }

    @Test func aCredentialRotationPushesANewTokenAtOnce() async throws {
        let clock = Self.clock()
        let source = TokenSource(clock: clock, lifetimes: [.seconds(600)])
        let (rotations, rotate) = AsyncStream<Void>.makeStream()
        let client = try await UnconnectedProducer(source, rotations: rotations)
        let (producer, refresher) = (client.producer, client.refresher)
        // The clock stands still: a push now can only be the rotation's.
        rotate.yield()
        try await Self.waitUntil("a push after the rotation") { refresher.tokenPushes.contains { $0.reason.contains("credentials rotated") } }
        #expect(refresher.tokenPushes.last?.atMs == Self.milliseconds(clock.now()))
        #expect(producer.counters.credentialRefreshes.value == 1)
        await client.shutdown()
    }

    @Test func aFailingSourceIsRetriedWithBackoffOnTheClockUntilItRecovers() async throws {
        let clock = Self.clock()
        let source = TokenSource(clock: clock, lifetimes: [.seconds(60)])
        source.failing.withLock { $0 = true }
        let client = try await UnconnectedProducer(source)
        let (producer, refresher) = (client.producer, client.refresher)
        // Half to all of 250 ms doubling per consecutive failure, up to 30 s: 8 failures reach
        // the cap.
        for _ in 0..<8 {
            let failures = producer.counters.tokenRefreshFailures.value
            let backoff = Int64(min(30_000, 250 << min(failures, 7)))
            let wait = Self.milliseconds(try #require(clock.nextDeadline)) - Self.milliseconds(clock.now())
            #expect((backoff / 2 - 1)...(backoff + 1) ~= wait, "after \(failures) failures the retry waits \(wait) ms")
            clock.advanceToNextDeadline()
            try await clock.waitForSleepers(1)
            #expect(producer.counters.tokenRefreshFailures.value > failures)
        }
        #expect(producer.counters.tokenRefreshes.value == 0)
        #expect(refresher.currentToken == nil)
        source.failing.withLock { $0 = false }
        clock.advanceToNextDeadline()
        try await clock.waitForSleepers(1)
        #expect(producer.counters.tokenRefreshes.value == 1)
        let token = try #require(refresher.currentToken)
        // Back on the token's schedule: at 80 % of its 60 s.
        #expect(abs(Self.milliseconds(try #require(clock.nextDeadline)) - (token.lifetimeMs - 12_000)) <= 1)
        await client.shutdown()
    }

    @Test func tokensCarrySASLExtensionsAndMalformedOnesAreNeverPushed() async throws {
        let source = TokenSource(clock: Self.clock(), lifetimes: [.seconds(600)])
        source.extensions.withLock { $0 = ["traceid": "a1b2 c3", "logicalCluster": "lkc-1"] }
        let client = try await UnconnectedProducer(source)
        let (producer, refresher) = (client.producer, client.refresher)
        // librdkafka took them (it returns an error for any it refuses).
        let accepted = producer.counters.tokenRefreshes.value
        #expect(accepted >= 1 && producer.counters.tokenRefreshFailures.value == 0)
        // Each malformed one is a failed refresh, librdkafka keeps the token it has.
        for (number, malformed) in [["auth": "Bearer x"], ["trace-id": "x"], ["traceid": "line\u{1}break"]].enumerated() {
            source.extensions.withLock { $0 = malformed }
            producer.refreshToken()
            try await Self.waitUntil("\(malformed) refused") { producer.counters.tokenRefreshFailures.value == number + 1 && refresher.isWaitingForSchedule }
            #expect(producer.counters.tokenRefreshes.value == accepted)
        }
        await client.shutdown()
    }

    @Test func theNextTokenIsMintedAtEightyPercentAndNeverLaterThanTenSecondsBeforeTheEnd() {
        #expect(OAuthBearerTokenRefresher.refreshDelay(remainingMs: 900_000) == .milliseconds(720_000))  // a 15-minute token: at 12 min
        #expect(OAuthBearerTokenRefresher.refreshDelay(remainingMs: 30_000) == .milliseconds(20_000))    // 10 s before the end, not 6
        #expect(OAuthBearerTokenRefresher.refreshDelay(remainingMs: 5_000) == .milliseconds(1_000))      // at least a second from now
        #expect(OAuthBearerTokenRefresher.refreshDelay(remainingMs: 0) == .milliseconds(1_000))
    }
}
