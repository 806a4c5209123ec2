import Testing
@testable import MSKKafka
import MSKKafkaTesting

/// The `.msk` presets of the producer and the consumer: TLS, IAM, AWS's reconnect advice, and
/// the region read from the addresses when none is given.
@Suite struct MSKPresetTests {
    static let servers = ["b-1.orders.a1b2c3.c2.kafka.eu-west-1.amazonaws.com:9098", "b-2.orders.a1b2c3.c2.kafka.eu-west-1.amazonaws.com:9098"]

    static func properties(_ list: [(String, String)]) -> [String: String] {
        Dictionary(list, uniquingKeysWith: { $1 })
    }

    static func expectMSKConnection(_ properties: [String: String]) {
        #expect(properties["security.protocol"] == "SASL_SSL")
        #expect(properties["sasl.mechanisms"] == "OAUTHBEARER")
        #expect(properties["reconnect.backoff.ms"] == "1000", "AWS: at least 1 s against MSK's new-connection limit")
        #expect(properties["reconnect.backoff.max.ms"] == "10000", "capped; librdkafka jitters each wait")
        #expect(properties["bootstrap.servers"] == servers.joined(separator: ","))
    }

    @Test func theProducerPresetReadsTheRegionFromTheAddresses() throws {
        for configuration in [try KafkaProducerConfiguration.msk(bootstrapServers: Self.servers),
                              try KafkaProducerConfiguration.msk(bootstrapServers: Self.servers, region: "eu-west-1")] {
            Self.expectMSKConnection(Self.properties(configuration.librdkafkaProperties))
            #expect(configuration.tls)
            #expect(configuration.idempotence, "idempotent by default: the role needs kafka-cluster:WriteDataIdempotently")
            #expect(!configuration.logCallerIdentity, "opt-in")
            let source = try #require(configuration.authentication.tokenSource)
            #expect(source.callerIdentity != nil, "MSK IAM can say who it signs as")
        }
    }

    @Test func theConsumerPresetMirrorsTheProducers() throws {
        for configuration in [try KafkaConsumerConfiguration.msk(bootstrapServers: Self.servers, groupID: "readers"),
                              try KafkaConsumerConfiguration.msk(bootstrapServers: Self.servers, groupID: "readers", region: "eu-west-1")] {
            let properties = Self.properties(configuration.librdkafkaProperties)
            Self.expectMSKConnection(properties)
            #expect(properties["group.id"] == "readers")
            #expect(configuration.tls)
            #expect(!configuration.logCallerIdentity)
            let source = try #require(configuration.authentication.tokenSource)
            #expect(source.immediateToken != nil && source.rotations != nil && source.callerIdentity != nil)
        }
    }

    @Test func withoutARegionAnAddressThatIsNotMSKsIsATypedError() {
        for servers in [["localhost:9092"], [], [Self.servers[0], "b-1.orders.a1b2c3.c2.kafka.us-east-1.amazonaws.com:9098"]] {
            #expect(throws: MSKBootstrapAddressError.self) { try KafkaProducerConfiguration.msk(bootstrapServers: servers) }
            #expect(throws: MSKBootstrapAddressError.self) { try KafkaConsumerConfiguration.msk(bootstrapServers: servers, groupID: "g") }
        }
        // With the region given, any address goes (a tunnel, a CNAME, msk-local).
        #expect(throws: Never.self) { try KafkaProducerConfiguration.msk(bootstrapServers: ["localhost:9092"], region: "eu-west-1") }
    }

    @Test func theConsumersReconnectBackoffReachesLibrdkafka() throws {
        var configuration = KafkaConsumerConfiguration(connection: KafkaConnectionConfiguration(bootstrapServers: ["127.0.0.1:1"]), groupID: "g")
        #expect(Self.properties(configuration.librdkafkaProperties)["reconnect.backoff.ms"] == nil, "librdkafka's default unless set")
        configuration.reconnectBackoff = (.milliseconds(1500), .seconds(20))
        let properties = Self.properties(configuration.librdkafkaProperties)
        #expect(properties["reconnect.backoff.ms"] == "1500")
        #expect(properties["reconnect.backoff.max.ms"] == "20000")
        #expect(KafkaConnectionConfiguration.mskReconnectBackoff.first == .seconds(1) && KafkaConnectionConfiguration.mskReconnectBackoff.maximum == .seconds(10))
        // librdkafka accepts them (it refuses unknown or out-of-range properties at creation).
        let cluster = try MockKafkaCluster()
        var real = KafkaConsumerConfiguration(connection: cluster.connection, groupID: "g")
        real.reconnectBackoff = KafkaConnectionConfiguration.mskReconnectBackoff
        let consumer = try KafkaConsumer(configuration: real, logger: KafkaProducerTests.quiet)
        consumer.close()
    }

    @Test func askingForTheIdentityWithoutIAMIsNotAnError() throws {
        let cluster = try MockKafkaCluster()
        var configuration = KafkaConsumerConfiguration(connection: cluster.connection, groupID: "g")
        configuration.logCallerIdentity = true
        let consumer = try KafkaConsumer(configuration: configuration, logger: KafkaProducerTests.quiet)
        #expect(consumer.callerIdentityLogged == nil, "nothing to ask without MSK IAM")
        consumer.close()
    }
}
