import Logging
import MSKKafkaTesting
import NIOCore
import NIOPosix

/// librdkafka's mock cluster behind a plaintext front of ours — one listener per broker, which
/// rewrites broker addresses so that clients only ever reach the front — so that brokers can go
/// down and up without touching the mock's own listeners.
///
/// librdkafka 2.0.2's `rd_kafka_mock_broker_set_down` closes a broker's listening socket and
/// `set_up` binds the same port again; if any socket on the machine took that port as its
/// ephemeral source port meanwhile, the mock asserts and the whole process dies. Here a broker
/// that is down keeps its port: the front closes its connections and closes new ones at once,
/// which clients see exactly as a broker that is down.
///
/// ```swift
/// let cluster = try await LocalKafkaCluster.start(brokers: 1)
/// cluster.createTopic("orders", partitions: 2)
/// try cluster.setBroker(1, up: false)   // producers now time out, reconnect, retry
/// ```
public final class LocalKafkaCluster: Sendable {
    /// The mock cluster behind the front (topics, request errors).
    public let mock: MockKafkaCluster
    /// The front's `host:port,host:port,...`: what clients connect to.
    public let bootstrapServers: String
    private let gateway: KafkaGateway
    private let group: MultiThreadedEventLoopGroup
    private let brokers: Int

    /// Starts `brokers` mock brokers (ids 1...brokers) and a front listener for each on `host`.
    public static func start(brokers: Int = 1, host: String = "127.0.0.1") async throws -> LocalKafkaCluster {
        guard (1...16).contains(brokers) else { throw MSKLocalError.invalidConfiguration(name: "brokers", reason: "\(brokers) is outside 1...16") }
        let mock = try MockKafkaCluster(brokers: brokers)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let shared = GatewayShared(authentication: .none, limits: GatewayLimits(), faults: MSKLocalFaults(), counters: MSKLocalCounters(),
                                   logger: Logger(label: "local-kafka-cluster"))
        do {
            let gateway = try await KafkaGateway.start(
                upstreams: mock.bootstrapServers.split(separator: ",").map(String.init), host: host, ports: [], tls: nil, shared: shared, group: group
            )
            return LocalKafkaCluster(mock: mock, gateway: gateway, group: group, brokers: brokers)
        } catch {
            try? await group.shutdownGracefully()
            throw MSKLocalError.bindFailed(what: "the brokers' front", reason: "\(error)")
        }
    }

    private init(mock: MockKafkaCluster, gateway: KafkaGateway, group: MultiThreadedEventLoopGroup, brokers: Int) {
        self.mock = mock
        self.gateway = gateway
        self.group = group
        self.brokers = brokers
        self.bootstrapServers = gateway.listenAddresses.joined(separator: ",")
    }

    /// Creates `name` with `partitions` partitions.
    public func createTopic(_ name: String, partitions: Int32 = 1) {
        mock.createTopic(name, partitions: partitions)
    }

    /// Takes broker `id` (1-based) down — its connections closed, new ones closed at once — or
    /// brings it back.
    public func setBroker(_ id: Int, up: Bool) throws(MSKLocalError) {
        guard (1...brokers).contains(id) else { throw .invalidConfiguration(name: "broker", reason: "\(id) is outside 1...\(brokers)") }
        gateway.setListener(id - 1, down: !up)
    }

    /// Closes every client connection now; returns how many there were.
    @discardableResult
    public func dropAllConnections() -> Int {
        gateway.dropAllConnections()
    }

    /// Stops the front (the mock stops when the last reference to it goes).
    public func shutdown() async {
        await gateway.shutdown()
        try? await group.shutdownGracefully()
    }

    deinit {
        // A caller that never called shutdown: the front's threads must not outlive it.
        group.shutdownGracefully { _ in }
    }
}
