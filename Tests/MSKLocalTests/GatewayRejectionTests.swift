import AWSAuth
import Foundation
import Logging
import MSKAuth
import MSKKafka
import MSKLocal
import Testing

/// Tokens the gateway must refuse, sent by the real producer: refused, counted by reason, and
/// the reason reaches the application's logs.
@Suite(.timeLimit(.minutes(2)))
struct GatewayRejectionTests {
    static func producer(_ local: MSKLocalServer, logger: Logger, mint: @escaping @Sendable () throws -> MSKIAMToken) throws -> KafkaProducer {
        let configuration = KafkaProducerConfiguration(
            connection: KafkaConnectionConfiguration(bootstrapServers: [local.endpoints.bootstrapServers],
                                                     authentication: .oauthBearer(OAuthBearerTokenSource(token: { OAuthBearerToken(try mint()) }))),
            messageTimeout: .seconds(30),
            delivery: .init(maxRetries: 0)
        )
        return try KafkaProducer(configuration: configuration, logger: logger)
    }

    @Test(arguments: [
        ("bad signature", "signature_mismatch", "the signature does not match"),
        ("expired", "expired", "the token expired"),
        ("wrong region", "wrong_host", "kafka.eu-west-1.amazonaws.com"),
        ("unknown session token", "session_token_mismatch", "the security token does not belong"),
        // Credentials good for 600 s against a broker that wants sessions of 900 s or more.
        ("session too short", "session_too_short", "Session too short"),
    ])
    func refusesABadTokenAndTheApplicationSeesWhy(kind: String, reasonCode: String, visibleText: String) async throws {
        let local = try await MSKLocalFixture.start(brokers: 1, topics: [("refused", 1)], minimumSessionLifetime: kind == "session too short" ? 900 : 2)
        let source = AWSCredentials(accessKeyID: local.endpoints.accessKeyID, secretAccessKey: local.endpoints.secretAccessKey)
        let issued = local.registry.issue(principal: "arn:aws:sts::111122223333:assumed-role/r/s", lifetime: 600, now: Date())
        let mint: @Sendable () throws -> MSKIAMToken = {
            switch kind {
            case "bad signature":
                let wrong = AWSCredentials(accessKeyID: source.accessKeyID, secretAccessKey: "wrong/secret/0000000000000000000000000000")
                return try MSKIAMTokenSigner(region: "us-east-1").token(for: wrong, at: Date())
            case "expired":
                // Signed 20 s ago for 10 s; librdkafka is told it is still good so that it sends it.
                let token = try MSKIAMTokenSigner(region: "us-east-1", expiresIn: 10).token(for: source, at: Date().addingTimeInterval(-20))
                return MSKIAMToken(value: token.value, lifetimeMs: Int64(Date().timeIntervalSince1970 * 1000) + 60_000, principal: token.principal)
            case "wrong region":
                return try MSKIAMTokenSigner(region: "eu-west-1").token(for: source, at: Date())
            case "session too short":
                return try MSKIAMTokenSigner(region: "us-east-1").token(for: issued.credentials, at: Date())
            default:
                let foreign = AWSCredentials(accessKeyID: issued.credentials.accessKeyID, secretAccessKey: issued.credentials.secretAccessKey,
                                             sessionToken: "a-session-token-msk-local-never-issued", expiration: issued.credentials.expiration)
                return try MSKIAMTokenSigner(region: "us-east-1").token(for: foreign, at: Date())
            }
        }
        let (logger, logs) = CapturingLogHandler.logger()
        let producer = try Self.producer(local, logger: logger, mint: mint)
        let send = Task { try await producer.send(KafkaProducerMessage(topic: "refused", value: "never stored")) }
        // Until the refusal reached the application's log (a condition with a deadline, not the
        // message timeout: how soon librdkafka connects is the machine's business).
        let deadline = ContinuousClock.now + .seconds(30)
        while !logs.all.contains(where: { $0.contains("SASL authentication error") }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        await producer.shutdown(timeout: .milliseconds(100))
        await #expect(throws: KafkaError.self) { _ = try await send.value }
        let counters = local.counters.snapshot
        #expect(counters.authenticationsSucceeded == 0)
        #expect((counters.authenticationFailuresByReason[reasonCode] ?? 0) >= 1, "\(counters.authenticationFailuresByReason)")
        #expect(logs.all.contains { $0.contains("SASL authentication error") && $0.contains(visibleText) }, "\(logs.all.suffix(5))")
        #expect(!logs.all.contains { $0.contains(local.endpoints.secretAccessKey) })
        await local.shutdown()
    }

    @Test func afterInjectedRejectionsTheProducerAuthenticatesAndDelivers() async throws {
        let local = try await MSKLocalFixture.start(brokers: 1, topics: [("rejected-then-ok", 1)])
        local.actions.rejectNextAuthentications(3)
        let credentials = try MSKLocalFixture.assumeRoleCache(local)
        let producer = try KafkaProducer(configuration: try MSKLocalFixture.producerConfiguration(local, credentials: credentials), logger: MSKLocalFixture.quiet)
        let report = try await producer.send(KafkaProducerMessage(topic: "rejected-then-ok", value: "eventually"))
        #expect(report.offset >= 0)
        let counters = local.counters.snapshot
        #expect(counters.authenticationFailuresByReason["rejected_by_fault"] == 3)
        #expect(counters.authenticationsSucceeded >= 1)
        #expect(producer.counters.authenticationFailures.value >= 1)
        await producer.shutdown()
        await local.shutdown()
    }
}
