import AWSAuth
import Foundation
import MSKLocal
import Testing
import TestSupport
@testable import MSKKafka

/// `logCallerIdentity`: the producer and the consumer ask msk-local's STS (`GetCallerIdentity`,
/// over real loopback HTTP) who the credentials they sign with belong to, and log the ARN the
/// gateway authenticates; a broken STS is a warning and nothing more.
@Suite(.timeLimit(.minutes(2)))
struct CallerIdentityLogTests {
    static func iamAuthentication(_ local: MSKLocalServer, _ credentials: RefreshingCredentialCache, stsEndpoint: URL) throws -> KafkaAuthentication {
        try .mskIAM(region: local.endpoints.region, credentials: credentials, expiresIn: 60, stsEndpoint: stsEndpoint)
    }

    @Test func theProducerAndTheConsumerLogThePrincipalTheyAuthenticateAs() async throws {
        let local = try await MSKLocalFixture.start(brokers: 1, credentialLifetime: 300, topics: [("who", 1)])
        let credentials = try MSKLocalFixture.assumeRoleCache(local)
        let stsURL = try MSKLocalFixture.url(local.endpoints.stsURL)
        let (logger, lines) = CapturingLogHandler.logger()

        var producerConfiguration = try MSKLocalFixture.producerConfiguration(local, credentials: credentials, tokenLifetime: 60)
        producerConfiguration.authentication = try Self.iamAuthentication(local, credentials, stsEndpoint: stsURL)
        producerConfiguration.logCallerIdentity = true
        let producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        await producer.callerIdentityLogged?.value
        _ = try await producer.send(KafkaProducerMessage(topic: "who", value: "hello"))

        var consumerConfiguration = KafkaConsumerConfiguration(
            connection: KafkaConnectionConfiguration(bootstrapServers: [local.endpoints.bootstrapServers],
                                                     authentication: try Self.iamAuthentication(local, credentials, stsEndpoint: stsURL)),
            groupID: "who-readers")
        consumerConfiguration.logCallerIdentity = true
        let consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger)
        await consumer.callerIdentityLogged?.value
        consumer.close()
        await producer.shutdown()

        let roleName = try #require(local.endpoints.roleARNs[0].split(separator: "/").last)
        let arn = "arn:aws:sts::\(CredentialRegistry.accountID):assumed-role/\(roleName)/e2e"
        let identityLines = lines.all.filter { $0.contains("signing as") }
        #expect(identityLines.count == 2, "once per client: \(identityLines)")
        #expect(identityLines.allSatisfy { $0.hasPrefix("info ") && $0.contains(arn) && $0.contains("account=\(CredentialRegistry.accountID)") }, "\(identityLines)")
        // The ARN logged is the principal the gateway authenticated.
        #expect(local.counters.snapshot.authenticationsByPrincipal.keys.contains(arn), "\(local.counters.snapshot.authenticationsByPrincipal)")
        #expect(local.counters.snapshot.stsCalls["GetCallerIdentity"] == 2)
        let current = try credentials.currentCredentials()
        #expect(!lines.all.contains { $0.contains(current.secretAccessKey) || $0.contains(current.sessionToken ?? "<none>") }, "no secret is logged")
        await local.shutdown()
    }

    /// STS answering garbage, a 2 MiB body, a refusal or nothing at all: a warning naming
    /// GetCallerIdentity, and the producer delivers as if nothing happened.
    @Test(arguments: ["garbage", "huge", "error:403:InvalidClientTokenId", "field:Account:not-digits", "closed"])
    func aBrokenSTSIsAWarningNeverAFailure(mode: String) async throws {
        let local = try await MSKLocalFixture.start(brokers: 1, credentialLifetime: 300, topics: [("who", 1)])
        let credentials = try MSKLocalFixture.assumeRoleCache(local)
        let stub = try await LoopbackServerProcess.start(executable: "python3", arguments: [PackagePaths.fixture("aws_endpoint_stub.py", target: "AWSAuthTests").path])
        defer { stub.stop() }
        let unlistened = try UnlistenedPort()
        defer { unlistened.close() }
        if mode != "closed" {
            let body = try JSONEncoder().encode(["sts": mode])
            _ = try await URLSessionHTTPTransport().send(HTTPRequest(method: "POST", url: stub.baseURL.appendingPathComponent("__mode"), body: body))
        }
        let (logger, lines) = CapturingLogHandler.logger()
        var configuration = try MSKLocalFixture.producerConfiguration(local, credentials: credentials, tokenLifetime: 60)
        configuration.authentication = try Self.iamAuthentication(local, credentials, stsEndpoint: mode == "closed" ? unlistened.url : stub.baseURL)
        configuration.logCallerIdentity = true
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        await producer.callerIdentityLogged?.value
        let report = try await producer.send(KafkaProducerMessage(topic: "who", value: "delivered anyway"))
        #expect(report.topic == "who")
        await producer.shutdown()

        let warnings = lines.all.filter { $0.contains("GetCallerIdentity") }
        #expect(warnings.count == 1, "\(lines.all.suffix(5))")
        #expect(warnings.allSatisfy { $0.hasPrefix("warning ") && $0.utf8.count < 1_000 }, "\(warnings.map { $0.prefix(300) })")
        #expect(!lines.all.contains { $0.contains("signing as") })
        await local.shutdown()
    }
}
