import AWSAuth
import Foundation
import MSKKafka
import MSKLocal
import Testing

@Suite(.timeLimit(.minutes(3)))
struct GatewayEndToEndTests {
    @Test func producesThroughTheGatewayWithAssumeRoleCredentials() async throws {
        let local = try await MSKLocalFixture.start(topics: [("iam", 2)])
        let credentials = try MSKLocalFixture.assumeRoleCache(local)
        let producer = try KafkaProducer(configuration: try MSKLocalFixture.producerConfiguration(local, credentials: credentials), logger: MSKLocalFixture.quiet)
        for index in 0..<20 {
            let report = try await producer.send(KafkaProducerMessage(topic: "iam", key: "k\(index % 4)", value: "m\(index)"))
            #expect(report.topic == "iam")
        }
        await producer.shutdown()
        let counters = local.counters.snapshot
        #expect(counters.authenticationsSucceeded >= 1)
        #expect(counters.authenticationsFailed == 0)
        #expect(counters.authenticationsByPrincipal.keys.allSatisfy { $0.hasSuffix(":assumed-role/msk-local-client/e2e") })
        #expect(counters.stsCalls["AssumeRole"] ?? 0 >= 1)
        await local.shutdown()
    }
}
