import AWSAuth
import Foundation
import MSKKafka
import MSKLocal
import Testing

/// MSK's limit on new IAM connections per broker, enforced by msk-local, and this library's
/// producer with the `.msk` preset's reconnect backoff living with it: twenty producers started
/// at once against 10 new connections per second all authenticate and deliver, and the refusals
/// ("Too many connects") stay few and stop.
@Suite(.timeLimit(.minutes(2)))
struct ConnectionLimitTests {
    @Test func twentyProducersStartedAtOnceAllDeliverUnderATenPerSecondLimit() async throws {
        var configuration = MSKLocalConfiguration()
        configuration.brokers = 1
        configuration.topics = [("limited", 1)]
        configuration.gatewayLimits.maximumNewConnectionsPerSecond = 10
        configuration.logger = MSKLocalFixture.quiet
        let local = try await MSKLocalServer.start(configuration)
        let credentials = try MSKLocalFixture.assumeRoleCache(local)
        _ = try await credentials.credentials()

        let producers = try (0..<20).map { index in
            var producerConfiguration = try MSKLocalFixture.producerConfiguration(local, credentials: credentials, tokenLifetime: 900)
            producerConfiguration.clientID = "limited-\(index)"
            producerConfiguration.reconnectBackoff = KafkaConnectionConfiguration.mskReconnectBackoff
            return try KafkaProducer(configuration: producerConfiguration, logger: MSKLocalFixture.quiet)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, producer) in producers.enumerated() {
                group.addTask { _ = try await producer.send(KafkaProducerMessage(topic: "limited", value: "from \(index)")) }
            }
            try await group.waitForAll()
        }
        let throttled = local.counters.snapshot.connectionsThrottled
        // Each producer makes about two connections (bootstrap, then the broker): some 40 at once
        // against 10 a second. The limit bites, and each producer is refused a few times at most
        // (measured: 10 refusals with the 1-s backoff, 17 with librdkafka's default 100 ms).
        #expect(throttled > 0, "the limit never bit: the test proves nothing")
        #expect(throttled < 100, "\(throttled) refusals: the producers stormed")
        #expect((local.counters.snapshot.authenticationFailuresByReason["too_many_connects"] ?? 0) == throttled)
        try await Task.sleep(for: .seconds(3))
        #expect(local.counters.snapshot.connectionsThrottled == throttled, "refusals went on after every producer had connected")
        for producer in producers { await producer.shutdown() }
        await local.shutdown()
    }

    @Test func overTheLimitAFirstAuthenticationIsRefusedAsTooManyConnects() async throws {
        var configuration = MSKLocalConfiguration()
        configuration.brokers = 1
        configuration.gatewayLimits.maximumNewConnectionsPerSecond = 2
        configuration.logger = MSKLocalFixture.quiet
        let local = try await MSKLocalServer.start(configuration)
        let port = try ControlAPITests.port(local)
        var answers: [Int16] = []
        for _ in 0..<4 { answers.append(try #require(try ControlAPITests.authenticate(port: port, token: try ControlAPITests.freshToken(local))).error) }
        #expect(answers.filter { $0 == 0 }.count == 2, "\(answers)")
        #expect(answers.filter { $0 == 58 }.count == 2, "\(answers)")
        #expect(local.counters.snapshot.connectionsThrottled == 2)
        await local.shutdown()
    }
}
