import AWSAuth
import Foundation
import MSKAuth
@testable import MSKKafka
import MSKLocal
import Synchronization
import Testing
import TestSupport

/// Outages and dropped connections: the producer buffers, retries and delivers everything.
@Suite(.timeLimit(.minutes(3)))
struct GatewayFaultTests {
    @Test func aRefusedAuthenticationPushesANewTokenAtOnceAndTheNextConnectionUsesIt() async throws {
        // 15-minute tokens and credentials: no scheduled push can come during the test.
        let local = try await MSKLocalFixture.start(brokers: 1, credentialLifetime: nil, topics: [("auth-refused", 1)])
        let credentials = try MSKLocalFixture.assumeRoleCache(local)
        let producer = try KafkaProducer(configuration: try MSKLocalFixture.producerConfiguration(local, credentials: credentials, tokenLifetime: 900),
                                         logger: MSKLocalFixture.quiet)
        _ = try await producer.send(KafkaProducerMessage(topic: "auth-refused", value: "before"))
        let refresher = try #require(producer.tokenRefresher)
        let before = refresher.tokenPushes.count
        local.actions.rejectNextAuthentications(1)
        local.dropAllConnections()
        let deadline = ContinuousClock.now + .seconds(20)
        while !refresher.tokenPushes.dropFirst(before).contains(where: { $0.reason.contains("authentication failed") }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(refresher.tokenPushes.dropFirst(before).contains { $0.reason.contains("authentication failed") },
                "pushes since the refusal: \(refresher.tokenPushes.dropFirst(before).map(\.reason))")
        #expect(local.counters.snapshot.authenticationFailuresByReason["rejected_by_fault"] == 1)
        _ = try await producer.send(KafkaProducerMessage(topic: "auth-refused", value: "after"))
        await producer.shutdown()
        await local.shutdown()
    }

    /// Whichever of the two credential caches tokens are signed with now.
    final class SigningCredentials: Sendable {
        let current: Mutex<RefreshingCredentialCache>
        init(_ cache: RefreshingCredentialCache) { current = Mutex(cache) }
    }

    /// What the refresher pushes is what the broker authenticates next: a token pushed on demand,
    /// signed as another principal, is the one msk-local sees once the connections are rebuilt
    /// (librdkafka 2.0.2 authenticates every new connection with the token set at that moment).
    /// On the real clock, which msk-local validates tokens against; the schedule itself is
    /// tested on a manual clock (`OAuthBearerRefreshTests`).
    @Test func aTokenPushedOnDemandIsTheOneTheNextConnectionAuthenticatesWith() async throws {
        let local = try await MSKLocalFixture.start(brokers: 1, credentialLifetime: nil, topics: [("refreshed", 1)])
        let signing = SigningCredentials(try MSKLocalFixture.assumeRoleCache(local, sessionName: "first"))
        let second = try MSKLocalFixture.assumeRoleCache(local, sessionName: "second")
        let signer = try MSKIAMTokenSigner(region: local.endpoints.region)
        let source = OAuthBearerTokenSource(token: {
            let credentials = try await signing.current.withLock { $0 }.credentials()
            return OAuthBearerToken(try signer.token(for: credentials, at: Date()))
        })
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(
            connection: KafkaConnectionConfiguration(bootstrapServers: [local.endpoints.bootstrapServers], authentication: .oauthBearer(source))
        ), logger: MSKLocalFixture.quiet)
        _ = try await producer.send(KafkaProducerMessage(topic: "refreshed", value: "as first"))
        func principals() -> [String: Int] { local.counters.snapshot.authenticationsByPrincipal }
        #expect(!principals().isEmpty && principals().keys.allSatisfy { $0.hasSuffix("/first") }, "\(principals())")

        signing.current.withLock { $0 = second }
        let refresher = try #require(producer.tokenRefresher)
        producer.refreshToken()
        let deadline = ContinuousClock.now + .seconds(20)
        while !refresher.tokenPushes.contains(where: { $0.reason.contains("requested by the application") }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(refresher.tokenPushes.contains { $0.reason.contains("requested by the application") })
        local.dropAllConnections()
        _ = try await producer.send(KafkaProducerMessage(topic: "refreshed", value: "as second"))
        #expect(principals().contains { $0.key.hasSuffix("/second") && $0.value >= 1 }, "\(principals())")
        #expect(local.counters.snapshot.authenticationsFailed == 0, "\(local.counters.snapshot.authenticationFailuresByReason)")
        await producer.shutdown()
        await local.shutdown()
    }

    @Test func stsDownForThreeCredentialLifetimesThenBackDeliversEverything() async throws {
        let lifetime = 8
        let local = try await MSKLocalFixture.start(brokers: 1, credentialLifetime: lifetime, topics: [("sts-outage", 1)])
        let credentials = try MSKLocalFixture.assumeRoleCache(local)
        let delivery = KafkaProducerConfiguration.DeliveryPolicy(maxRetries: 30, retryBackoff: .milliseconds(500), maxRetryBackoff: .seconds(2))
        let producer = try KafkaProducer(configuration: try MSKLocalFixture.producerConfiguration(
            local, credentials: credentials, tokenLifetime: 5, messageTimeout: .seconds(6), delivery: delivery
        ), logger: MSKLocalFixture.quiet)
        _ = try await producer.send(KafkaProducerMessage(topic: "sts-outage", value: "warm-up"))

        local.actions.stsDown(for: Double(3 * lifetime))
        let ledger = DeliveryLedger()
        try await ledger.produce(producer, topic: "sts-outage", count: 300, interval: .milliseconds(100))
        #expect(await producer.flush(timeout: .seconds(90)))

        #expect(ledger.delivered.count == 300, "failed: \(ledger.failed.values.prefix(3))")
        #expect(ledger.failed.isEmpty)
        // While STS was down the credentials expired: minting failed and the cache said why.
        #expect(producer.counters.tokenRefreshFailures.value > 0)
        #expect((local.counters.snapshot.stsFailures["fault_down"] ?? 0) > 0)
        let status = credentials.status
        #expect(status.failureCount > 0, "the cache counted the failed refreshes")
        #expect(status.consecutiveFailures == 0, "and recovered")
        await producer.shutdown()
        await local.shutdown()
    }

    /// Through the gateway, connections dropped every 2 s and both brokers down for 8 s (twice
    /// the message timeout): nothing lost either way. Under per-key order (the default)
    /// librdkafka has the whole budget and keeps each key's order itself; without it the retry
    /// layer produces the timed-out messages again.
    @Test(arguments: [KafkaProducerConfiguration.Ordering.perKey, .none])
    func droppedConnectionsAndBrokersDownPastTheMessageTimeoutLoseNothing(ordering: KafkaProducerConfiguration.Ordering) async throws {
        let local = try await MSKLocalFixture.start(brokers: 2, topics: [("chaos", 2)])
        let credentials = try MSKLocalFixture.assumeRoleCache(local)
        let delivery = KafkaProducerConfiguration.DeliveryPolicy(maxRetries: 20, retryBackoff: .milliseconds(500), maxRetryBackoff: .seconds(2), ordering: ordering)
        let producer = try KafkaProducer(configuration: try MSKLocalFixture.producerConfiguration(
            local, credentials: credentials, messageTimeout: .seconds(4), delivery: delivery
        ), logger: MSKLocalFixture.quiet)

        let chaos = Task {
            for round in 0..<10 {
                try await Task.sleep(for: .seconds(2))
                local.dropAllConnections()
                // Both brokers (whichever leads a partition) down for 8 s, twice the message timeout.
                if round == 2 { for broker in 1...2 { try local.actions.setBroker(broker, up: false) } }
                if round == 6 { for broker in 1...2 { try local.actions.setBroker(broker, up: true) } }
            }
        }
        let ledger = DeliveryLedger()
        let count = 400
        try await ledger.produce(producer, topic: "chaos", count: count, interval: .milliseconds(50))
        try await chaos.value
        #expect(await producer.flush(timeout: .seconds(90)))
        await producer.shutdown()

        #expect(ledger.delivered.count == count, "failed: \(ledger.failed.values.prefix(3))")
        #expect(local.counters.snapshot.connectionsDropped > 0)
        // Read back independently: every number is there (a first attempt the broker stored
        // while its acknowledgement was lost may be there twice).
        let lines = try await Kcat.consume(bootstrap: local.endpoints.rawBootstrapServers, topic: "chaos", format: "%k|%s\\n")
        let log = lines.compactMap { line -> (key: Substring, value: Int)? in
            let fields = line.split(separator: "|")
            return fields.count == 2 ? Int(fields[1]).map { (fields[0], $0) } : nil
        }
        #expect(Set(log.map(\.value)) == Set(0..<count))
        // Each key's values at their first appearance, in the order they were sent?
        var highest: [Substring: Int] = [:], seen = Set<Int>(), late = 0
        for (key, value) in log where seen.insert(value).inserted {
            if value < highest[key, default: -1] { late += 1 } else { highest[key] = value }
        }
        switch ordering {
        case .perKey:
            #expect(late == 0, "out of order under per-key order")
            #expect(producer.counters.retries.value == 0 && producer.counters.orderBreaks.value == 0, "librdkafka carried every message through")
        case .none:
            #expect(producer.counters.retries.value > 0, "the broker outage outlasted message.timeout.ms, so the retry layer had to act")
        }
        await local.shutdown()
    }
}

/// The periodic fault schedule (what soak runs use) and the event log behind report markers.
struct FaultScheduleTests {
    @Test func scheduledFaultsHappenAndAreLoggedForTheControlAPI() async throws {
        var configuration = MSKLocalConfiguration()
        configuration.brokers = 2
        configuration.logger = MSKLocalFixture.quiet
        configuration.faultSchedule.dropConnectionsEvery = .milliseconds(500)
        configuration.faultSchedule.brokerOutageEvery = .milliseconds(800)
        configuration.faultSchedule.brokerOutageLength = .milliseconds(300)
        configuration.faultSchedule.stsOutageEvery = .seconds(1)
        configuration.faultSchedule.stsOutageLength = .milliseconds(200)
        configuration.faultSchedule.rejectAuthenticationsEvery = .seconds(1)
        let local = try await MSKLocalServer.start(configuration)
        // Timers on a loaded 2-core machine drift: wait for the outcome, with a far deadline.
        func done() -> Bool {
            let kinds = local.events.events().map(\.kind)
            return kinds.filter { $0 == "drop_connections" }.count >= 3 && kinds.contains("broker_up") && kinds.contains("sts_down")
                && kinds.contains("reject_authentications")
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while !done(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        await local.shutdown()

        let kinds = local.events.events().map(\.kind)
        #expect(kinds.filter { $0 == "drop_connections" }.count >= 3)
        #expect(kinds.contains("broker_down") && kinds.contains("broker_up"))
        #expect(kinds.contains("sts_down"))
        #expect(kinds.contains("reject_authentications"))
    }

    @Test func theControlAPIAppliesFaultsAndServesEventsAndCounters() async throws {
        let local = try await MSKLocalFixture.start(brokers: 2)
        #expect(try await MSKLocalFixture.controlPOST(local, "brokers/2/down") == 200)
        #expect(try await MSKLocalFixture.controlPOST(local, "brokers/3/down") == 400)
        #expect(try await MSKLocalFixture.controlPOST(local, "sts-fail?count=2&mode=nonsense") == 400)
        #expect(try await MSKLocalFixture.controlPOST(local, "reset") == 200)
        let transport = URLSessionHTTPTransport()
        let events = try await transport.send(HTTPRequest(method: "GET", url: try MSKLocalFixture.url(local.endpoints.controlURL + "/events")))
        let decoded = try JSONDecoder().decode([MSKLocalEvent].self, from: events.body)
        #expect(decoded.map(\.kind) == ["broker_down", "reset"])
        let counters = try await transport.send(HTTPRequest(method: "GET", url: try MSKLocalFixture.url(local.endpoints.controlURL + "/counters")))
        #expect(try JSONDecoder().decode(MSKLocalCountersSnapshot.self, from: counters.body) == local.counters.snapshot)
        await local.shutdown()
    }
}
