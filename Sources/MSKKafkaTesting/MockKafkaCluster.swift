import CRdKafka
import MSKKafka

/// librdkafka's in-process mock cluster: real Kafka brokers on 127.0.0.1 ports, PLAINTEXT only,
/// for tests, benchmarks and offline soak runs. Faults on demand: errors injected into the next
/// requests.
///
/// There is deliberately no way to take one of its brokers down: librdkafka 2.0.2 does that by
/// closing the broker's listener and binding its port again later, and aborts the process when
/// another socket took the port meanwhile. MSKLocal's `LocalKafkaCluster` puts listeners of its
/// own in front, which can go down safely.
public final class MockKafkaCluster: Sendable {
    // Bit patterns: raw pointers are not Sendable. Both are set once here and used only through
    // librdkafka's thread-safe mock API.
    private let helperBits: Int
    private let clusterBits: Int
    /// `host:port,host:port,...`
    public let bootstrapServers: String

    private var cluster: OpaquePointer { OpaquePointer(bitPattern: clusterBits)! }

    /// Starts `brokers` brokers (ids 1...brokers).
    ///
    /// - Throws: ``KafkaError/clientCreation(reason:)`` when librdkafka cannot create the
    ///   helper client or the cluster.
    public init(brokers: Int = 1) throws {
        var errorBuffer = [CChar](repeating: 0, count: 256)
        guard let conf = rd_kafka_conf_new() else { throw KafkaError.clientCreation(reason: "rd_kafka_conf_new failed") }
        // Critical lines only (to stderr).
        guard rd_kafka_conf_set(conf, "log_level", "2", &errorBuffer, errorBuffer.count) == RD_KAFKA_CONF_OK else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError.clientCreation(reason: Self.text(errorBuffer))
        }
        // rd_kafka_new takes the configuration on success only.
        guard let helper = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errorBuffer, errorBuffer.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError.clientCreation(reason: Self.text(errorBuffer))
        }
        guard let cluster = rd_kafka_mock_cluster_new(helper, Int32(brokers)) else {
            rd_kafka_destroy(helper)
            throw KafkaError.clientCreation(reason: "rd_kafka_mock_cluster_new failed")
        }
        helperBits = Int(bitPattern: UnsafeRawPointer(helper))
        clusterBits = Int(bitPattern: UnsafeRawPointer(cluster))
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    /// Creates `name` with `partitions` partitions.
    public func createTopic(_ name: String, partitions: Int32 = 1, replicationFactor: Int32 = 1) {
        _ = rd_kafka_mock_topic_create(cluster, name, partitions, replicationFactor)
    }

    /// The next `errors.count` requests of API `apiKey` fail with these errors, in order.
    public func pushRequestErrors(apiKey: KafkaAPIKey, _ errors: [KafkaErrorCode]) {
        let codes = errors.map { rd_kafka_resp_err_t(rawValue: $0.rawValue) }
        rd_kafka_mock_push_request_errors_array(cluster, apiKey.rawValue, codes.count, codes)
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
        if let helper = OpaquePointer(bitPattern: helperBits) { rd_kafka_destroy(helper) }
    }

    private static func text(_ errorBuffer: [CChar]) -> String {
        String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
