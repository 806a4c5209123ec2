import CRdKafka
import Foundation

/// librdkafka's in-process mock cluster: real brokers on 127.0.0.1 ports, PLAINTEXT only.
final class MockKafkaCluster: @unchecked Sendable {
    // @unchecked: the two pointers are set once in init and only used by librdkafka's
    // thread-safe mock API afterwards.
    private let helper: OpaquePointer
    private let cluster: OpaquePointer
    /// `host:port,host:port,...`
    let bootstrapServers: String

    init(brokers: Int = 1) throws {
        let conf = rd_kafka_conf_new()
        var errorBuffer = [CChar](repeating: 0, count: 256)
        _ = rd_kafka_conf_set(conf, "log_level", "0", &errorBuffer, errorBuffer.count)
        guard let helper = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errorBuffer, errorBuffer.count) else {
            throw MockClusterError(reason: "helper handle: \(String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
        }
        guard let cluster = rd_kafka_mock_cluster_new(helper, Int32(brokers)) else {
            rd_kafka_destroy(helper)
            throw MockClusterError(reason: "rd_kafka_mock_cluster_new failed")
        }
        self.helper = helper
        self.cluster = cluster
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    func createTopic(_ name: String, partitions: Int32 = 1) {
        _ = rd_kafka_mock_topic_create(cluster, name, partitions, 1)
    }

    func setBroker(_ id: Int32, up: Bool) {
        _ = up ? rd_kafka_mock_broker_set_up(cluster, id) : rd_kafka_mock_broker_set_down(cluster, id)
    }

    /// The next `errors.count` requests of `apiKey` (0 = Produce) fail with these errors.
    func pushRequestErrors(apiKey: Int16, _ errors: [rd_kafka_resp_err_t]) {
        rd_kafka_mock_push_request_errors_array(cluster, apiKey, errors.count, errors)
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(helper)
    }
}

struct MockClusterError: Error, CustomStringConvertible {
    let reason: String
    var description: String { "mock cluster: \(reason)" }
}

/// Reads a topic back with kcat, an independent Kafka client: one line per message,
/// `partition|key|value|headers`.
enum Kcat {
    static func consume(bootstrap: String, topic: String, count: Int) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-c", String(count), "-e", "-q", "-f", "%p|%k|%s|%h\\n"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
