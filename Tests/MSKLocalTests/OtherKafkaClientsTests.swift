import Foundation
import MSKLocal
import Testing
import TestSupport

/// msk-local speaks to other Kafka clients the way MSK does, not only to librdkafka 2.0.2:
/// confluent-kafka (librdkafka 2.16, which opens with ApiVersions v3 and re-authenticates on
/// open connections, KIP-368) and aiokafka (pure Python, its own protocol code), both with
/// tokens from AWS's official signer.
@Suite(.timeLimit(.minutes(3)))
struct OtherKafkaClientsTests {
    static var confluentKafkaAvailable: Bool { pythonImports("confluent_kafka, aws_msk_iam_sasl_signer, boto3") }
    static var aiokafkaAvailable: Bool { pythonImports("aiokafka, aws_msk_iam_sasl_signer, boto3") }

    static func pythonImports(_ modules: String) -> Bool {
        (try? ChildProcess.run("python3", ["-c", "import \(modules)"]).status) == 0
    }

    struct Report: Decodable {
        let errors: [String]
        let delivered: Int
        let failed: [String]
        let consumed_unique: Int
        let tokens: Int
    }

    @Test(.enabled(if: confluentKafkaAvailable || ProcessInfo.processInfo.environment["CI"] != nil,
                   "python3 with confluent-kafka is not installed (run ./scripts/bootstrap.sh)"))
    func confluentKafkaProducesIdempotentlyConsumesInAGroupAndReauthenticatesWithoutReconnecting() async throws {
        // Credentials of 10 s, produced over 55 s: five and a half session lifetimes.
        let local = try await MSKLocalFixture.start(brokers: 2, credentialLifetime: 10, topics: [("confluent", 3)])
        let line = String(decoding: try JSONEncoder().encode(local.endpoints), as: UTF8.self)
        let outcome = try await ChildProcess.run("python3", [PackagePaths.fixture("confluent_client.py", target: "MSKLocalTests").path, line, "confluent", "300", "55"])
        #expect(outcome.status == 0, "\(outcome.stderr.suffix(2000))")
        let report = try JSONDecoder().decode(Report.self, from: outcome.stdout)
        #expect(report.delivered == 300 && report.failed.isEmpty, "\(report.failed)")
        #expect(report.consumed_unique == 300)
        #expect(report.errors.isEmpty, "\(report.errors.prefix(5))")
        let counters = local.counters.snapshot
        // Sessions are renewed on the open connections, never ended by the gateway.
        #expect(counters.reauthentications >= 5, "\(counters.reauthentications) re-authentications")
        #expect(counters.sessionsExpired == 0)
        #expect(counters.authenticationsFailed == 0, "\(counters.authenticationFailuresByReason)")
        #expect(counters.apiVersionsByClientSoftware.keys.contains { $0.hasPrefix("confluent-kafka-python/") }, "\(counters.apiVersionsByClientSoftware)")
        // Every authentication (first ones and re-authentications) is put down to that client.
        let byClient = counters.authenticationsByClientSoftware.filter { $0.key.hasPrefix("confluent-kafka-python/") }.values.reduce(0, +)
        #expect(byClient == counters.authenticationsSucceeded, "\(counters.authenticationsByClientSoftware)")
        await local.shutdown()
    }

    struct AIOKafkaReport: Decodable {
        let delivered: Int
        let consumed_unique: Int
        let tokens: Int
    }

    @Test(.enabled(if: aiokafkaAvailable || ProcessInfo.processInfo.environment["CI"] != nil,
                   "python3 with aiokafka is not installed (run ./scripts/bootstrap.sh)"))
    func aiokafkaProducesAndConsumesInAGroup() async throws {
        let local = try await MSKLocalFixture.start(brokers: 2, credentialLifetime: 600, topics: [("aiokafka", 3)])
        let line = String(decoding: try JSONEncoder().encode(local.endpoints), as: UTF8.self)
        let outcome = try await ChildProcess.run("python3", [PackagePaths.fixture("aiokafka_client.py", target: "MSKLocalTests").path, line, "aiokafka", "200"])
        #expect(outcome.status == 0, "\(outcome.stderr.suffix(2000))")
        let report = try JSONDecoder().decode(AIOKafkaReport.self, from: outcome.stdout)
        #expect(report.delivered == 200)
        #expect(report.consumed_unique == 200)
        let counters = local.counters.snapshot
        #expect(counters.authenticationsFailed == 0, "\(counters.authenticationFailuresByReason)")
        #expect(counters.authenticationsSucceeded >= 2)
        await local.shutdown()
    }
}
