import MSKKafka
import MSKKafkaTesting
import MSKLocal

/// A cluster a test can point a client at: librdkafka's mock as it is, or behind the front
/// whose brokers can go down safely (``LocalKafkaCluster``).
protocol KafkaTestCluster {
    var bootstrapServers: String { get }
}

extension MockKafkaCluster: KafkaTestCluster {}
extension LocalKafkaCluster: KafkaTestCluster {}

extension KafkaTestCluster {
    /// A plaintext connection to the cluster, without authentication.
    var connection: KafkaConnectionConfiguration { KafkaConnectionConfiguration(bootstrapServers: [bootstrapServers]) }
}
