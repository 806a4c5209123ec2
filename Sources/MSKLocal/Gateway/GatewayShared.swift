import Logging
import NIOCore
import Synchronization

/// State every gateway connection shares: how tokens are checked, faults, counters, where
/// upstream brokers are reachable through the gateway, and the open connections (so that the
/// control API can drop them all).
final class GatewayShared: Sendable {
    let validator: MSKTokenValidator
    let faults: MSKLocalFaults
    let counters: MSKLocalCounters
    let logger: Logger
    /// Upstream `host:port` → the gateway listener clients should use instead.
    private let listeners = Mutex<[String: (host: String, port: Int32)]>([:])
    private let connections = Mutex<[ObjectIdentifier: any Channel]>([:])

    init(validator: MSKTokenValidator, faults: MSKLocalFaults, counters: MSKLocalCounters, logger: Logger) {
        self.validator = validator
        self.faults = faults
        self.counters = counters
        self.logger = logger
    }

    func setListener(upstream: String, host: String, port: Int) {
        listeners.withLock { $0[upstream] = (host, Int32(port)) }
    }

    var rewriter: KafkaResponseRewriter {
        KafkaResponseRewriter(listeners: listeners.withLock { $0 })
    }

    func connectionOpened(_ channel: any Channel) {
        connections.withLock { $0[ObjectIdentifier(channel)] = channel }
        counters.update { $0.connectionsAccepted += 1; $0.connectionsOpen += 1 }
    }

    func connectionClosed(_ channel: any Channel) {
        let removed = connections.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) != nil }
        if removed { counters.update { $0.connectionsOpen -= 1 } }
    }

    /// Closes every client connection; returns how many there were.
    @discardableResult
    func dropAllConnections() -> Int {
        let open = connections.withLock { Array($0.values) }
        counters.update { $0.connectionsDropped += open.count }
        for channel in open { channel.close(promise: nil) }
        return open.count
    }
}
