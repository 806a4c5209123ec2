import Testing
@testable import MSKKafka
import MSKKafkaTesting

/// The typed configuration: one connection block for both clients, enums that librdkafka
/// accepts as they map, and bad values that still fail with the property's name.
@Suite struct KafkaConfigurationTests {
    static func properties(_ list: [(String, String)]) -> [String: String] {
        Dictionary(list, uniquingKeysWith: { $1 })
    }

    @Test func bothClientsApplyTheSameConnectionBlock() {
        var connection = KafkaConnectionConfiguration(bootstrapServers: ["a:9092", "b:9092"], authentication: .plain(username: "svc", password: "pw"),
                                                      tls: true, caLocation: "/etc/ca.pem", clientID: "orders", statisticsInterval: .seconds(5))
        connection.reconnectBackoff = KafkaConnectionConfiguration.mskReconnectBackoff
        let producer = Self.properties(KafkaProducerConfiguration(connection: connection).librdkafkaProperties)
        let consumer = Self.properties(KafkaConsumerConfiguration(connection: connection, groupID: "g").librdkafkaProperties)
        let expected = Self.properties(connection.librdkafkaProperties)
        #expect(expected["bootstrap.servers"] == "a:9092,b:9092")
        #expect(expected["security.protocol"] == "SASL_SSL" && expected["sasl.mechanisms"] == "PLAIN")
        #expect(expected["ssl.ca.location"] == "/etc/ca.pem" && expected["client.id"] == "orders" && expected["statistics.interval.ms"] == "5000")
        for (name, value) in expected {
            #expect(producer[name] == value, "producer: \(name)")
            #expect(consumer[name] == value, "consumer: \(name)")
        }
    }

    @Test func connectionFieldsReadAndWriteThroughEitherConfiguration() {
        var producer = KafkaProducerConfiguration(connection: KafkaConnectionConfiguration(bootstrapServers: ["a:9092"]))
        producer.tls = true
        producer.clientID = "writer"
        #expect(producer.connection.tls && producer.connection.clientID == "writer")
        var consumer = KafkaConsumerConfiguration(connection: producer.connection, groupID: "g")
        consumer.bootstrapServers.append("b:9092")
        #expect(consumer.connection.bootstrapServers == ["a:9092", "b:9092"])
        #expect(consumer.tls && consumer.clientID == "writer")
    }

    @Test func theEnumsMapToLibrdkafkasKeywords() {
        let connection = KafkaConnectionConfiguration(bootstrapServers: ["a:9092"])
        let defaults = Self.properties(KafkaProducerConfiguration(connection: connection).librdkafkaProperties)
        #expect(defaults["acks"] == "all" && defaults["compression.type"] == "none" && defaults["enable.idempotence"] == "true")
        let leader = Self.properties(KafkaProducerConfiguration(connection: connection, acks: .leader, idempotence: false, compression: .zstd).librdkafkaProperties)
        #expect(leader["acks"] == "1" && leader["compression.type"] == "zstd")
        #expect(KafkaAcks.none.rawValue == "0")
        let latest = Self.properties(KafkaConsumerConfiguration(connection: connection, groupID: "g", autoOffsetReset: .latest).librdkafkaProperties)
        #expect(latest["auto.offset.reset"] == "latest")
    }

    /// Per-key order gives librdkafka the whole budget as one message timeout (its own
    /// retries keep the order; a timeout breaks it), and one request in flight without
    /// idempotence; the plain policy keeps one timeout per attempt.
    @Test func perKeyOrderGivesLibrdkafkaTheWholeBudget() {
        let connection = KafkaConnectionConfiguration(bootstrapServers: ["a:9092"])
        var configuration = KafkaProducerConfiguration(connection: connection, messageTimeout: .seconds(10), delivery: .init(maxRetries: 5, ordering: .none))
        #expect(Self.properties(configuration.librdkafkaProperties)["message.timeout.ms"] == "10000")
        configuration.delivery.ordering = .perKey
        var properties = Self.properties(configuration.librdkafkaProperties)
        // 6 attempts of 10 s, and backoffs of at most 1 + 2 + 4 + 8 + 16 s.
        #expect(properties["message.timeout.ms"] == "91000" && configuration.deliveryTimeout == .seconds(91))
        configuration.delivery.maxRetries = 7
        let eightAttemptsAndCappedBackoffs: Int64 = 80 + 1 + 2 + 4 + 8 + 16 + 30 + 30
        #expect(configuration.deliveryTimeout == .seconds(eightAttemptsAndCappedBackoffs), "backoffs capped at 30 s")
        #expect(properties["max.in.flight.requests.per.connection"] == nil, "idempotence keeps the order with 5 in flight")
        configuration.idempotence = false
        properties = Self.properties(configuration.librdkafkaProperties)
        #expect(properties["max.in.flight.requests.per.connection"] == "1")
        configuration.additionalProperties["max.in.flight.requests.per.connection"] = "3"
        #expect(Self.properties(configuration.librdkafkaProperties)["max.in.flight.requests.per.connection"] == "3", "the caller's choice comes last")
        configuration.delivery.maxRetries = .max
        #expect(configuration.deliveryTimeout == .milliseconds(Int64(Int32.max)), "capped at librdkafka's largest")
    }

    @Test func librdkafkaAcceptsEveryCase() async throws {
        let cluster = try MockKafkaCluster()
        let connection = KafkaConnectionConfiguration(bootstrapServers: [cluster.bootstrapServers])
        for acks in KafkaAcks.allCases {
            for compression in KafkaCompression.allCases {
                let configuration = KafkaProducerConfiguration(connection: connection, acks: acks, idempotence: acks == .all, compression: compression)
                let producer = try KafkaProducer(configuration: configuration, logger: KafkaProducerTests.quiet)
                await producer.shutdown(timeout: .milliseconds(100))
            }
        }
        for reset in KafkaOffsetReset.allCases {
            let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(connection: connection, groupID: "g", autoOffsetReset: reset),
                                             logger: KafkaProducerTests.quiet)
            consumer.close()
        }
    }

    @Test func badValuesFailWithATypedErrorNamingWhatIsWrong() throws {
        let cluster = try MockKafkaCluster()
        let connection = KafkaConnectionConfiguration(bootstrapServers: [cluster.bootstrapServers])
        // A typed field with a value out of librdkafka's range: the property and librdkafka's text.
        let negativeLinger = KafkaProducerConfiguration(connection: connection, linger: .milliseconds(-5))
        #expect {
            try KafkaProducer(configuration: negativeLinger, logger: KafkaProducerTests.quiet)
        } throws: { error in
            guard case .invalidConfiguration(let property, _) = error as? KafkaError else { return false }
            return property == "linger.ms"
        }
        // A combination librdkafka refuses: idempotence needs every replica's acknowledgement.
        let idempotentLeaderOnly = KafkaProducerConfiguration(connection: connection, acks: .leader)
        #expect {
            try KafkaProducer(configuration: idempotentLeaderOnly, logger: KafkaProducerTests.quiet)
        } throws: { error in
            "\(error)".contains("acks")
        }
    }
}
