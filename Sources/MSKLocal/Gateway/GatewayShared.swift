import Logging
import NIOCore
import Synchronization

/// State every gateway connection shares: how clients authenticate, the bounds they live
/// within, faults, counters, where upstream brokers are reachable through the gateway, which
/// listeners are down, and the open connections (so that the control API can drop them).
final class GatewayShared: Sendable {
    let authentication: GatewayAuthentication
    let limits: GatewayLimits
    let faults: MSKLocalFaults
    let counters: MSKLocalCounters
    let logger: Logger
    /// IAM authorization of every request after authentication (IAM listeners only).
    let authorizer: MSKAuthorizer?
    /// Group members whose JoinGroup or SyncGroup the mock still holds for a closed connection.
    let groupGuard = GatewayGroupRequestGuard()
    /// Each consumer group's protocol, so that the mock never sees members that disagree.
    let groupProtocols = GatewayGroupProtocols()

    /// Why a new connection was not let in.
    enum Refusal: Equatable {
        case listenerDown
        case tooManyConnections
    }

    private struct Connections {
        var open: [ObjectIdentifier: (listener: Int, channel: any Channel)] = [:]
        var openPerListener: [Int: Int] = [:]
        var downListeners: Set<Int> = []
    }

    /// Upstream `host:port` → the gateway listener clients should use instead.
    private let listeners = Mutex<[String: (host: String, port: Int32)]>([:])
    private let connections = Mutex(Connections())
    /// What ApiVersions answers list; set once the upstream has said what it supports.
    private let advertisedVersions = Mutex<KafkaAPIVersions?>(nil)
    /// Per listener: new authentications allowed now (a token bucket of one second's worth).
    private let newConnectionAllowance = Mutex<[Int: (tokens: Double, at: ContinuousClock.Instant)]>([:])

    init(authentication: GatewayAuthentication, limits: GatewayLimits, faults: MSKLocalFaults, counters: MSKLocalCounters, logger: Logger,
         authorizer: MSKAuthorizer? = nil) {
        self.authentication = authentication
        self.authorizer = authorizer
        self.limits = limits
        self.faults = faults
        self.counters = counters
        self.logger = logger
    }

    func setListener(upstream: String, host: String, port: Int) {
        listeners.withLock { $0[upstream] = (host, Int32(clamping: port)) }
    }

    var rewriter: KafkaResponseRewriter {
        KafkaResponseRewriter(listeners: listeners.withLock { $0 })
    }

    /// Records what the upstream supports, from which ApiVersions answers are made.
    func setUpstreamVersions(_ ranges: [KafkaAPIVersionRange]) {
        let advertisesSASL = if case .mskIAM = authentication { true } else { false }
        advertisedVersions.withLock { $0 = KafkaAPIVersions(upstream: ranges, advertisesSASL: advertisesSASL) }
    }

    /// What ApiVersions answers list (empty until the upstream has answered, which happens
    /// before any listener is bound).
    var apiVersions: KafkaAPIVersions {
        advertisedVersions.withLock { $0 } ?? KafkaAPIVersions(upstream: [], advertisesSASL: false)
    }

    /// Registers a new client connection on `listener`, or says why it may not stay open.
    func connectionOpened(_ channel: any Channel, listener: Int) -> Refusal? {
        let refusal: Refusal? = connections.withLock { state in
            if state.downListeners.contains(listener) { return .listenerDown }
            if state.openPerListener[listener, default: 0] >= limits.maximumConnectionsPerListener { return .tooManyConnections }
            state.open[ObjectIdentifier(channel)] = (listener, channel)
            state.openPerListener[listener, default: 0] += 1
            return nil
        }
        counters.update { counters in
            switch refusal {
            case nil: counters.connectionsAccepted += 1; counters.connectionsOpen += 1
            case .listenerDown: counters.connectionsRefusedBrokerDown += 1
            case .tooManyConnections: counters.connectionsRefusedOverLimit += 1
            }
        }
        return refusal
    }

    func connectionClosed(_ channel: any Channel) {
        let removed = connections.withLock { state in
            guard let entry = state.open.removeValue(forKey: ObjectIdentifier(channel)) else { return false }
            state.openPerListener[entry.listener, default: 1] -= 1
            return true
        }
        if removed { counters.update { $0.connectionsOpen -= 1 } }
    }

    /// Whether a connection on `listener` may authenticate for the first time now, under
    /// ``GatewayLimits/maximumNewConnectionsPerSecond``.
    func admitNewConnection(listener: Int) -> Bool {
        guard let rate = limits.maximumNewConnectionsPerSecond else { return true }
        let now = ContinuousClock.now
        let admitted = newConnectionAllowance.withLock { allowance in
            let previous = allowance[listener] ?? (Double(rate), now)
            let elapsed = now - previous.at
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            var tokens = min(Double(rate), previous.tokens + seconds * Double(rate))
            let admitted = tokens >= 1
            if admitted { tokens -= 1 }
            allowance[listener] = (tokens, now)
            return admitted
        }
        if !admitted { counters.update { $0.connectionsThrottled += 1 } }
        return admitted
    }

    /// Closes every client connection; returns how many there were.
    @discardableResult
    func dropAllConnections() -> Int {
        let open = connections.withLock { $0.open.values.map(\.channel) }
        counters.update { $0.connectionsDropped += open.count }
        for channel in open { channel.close(promise: nil) }
        return open.count
    }

    /// Takes `listener` down — its connections are closed now, new ones at once — or brings it
    /// back. The listening socket stays bound throughout: closing and re-binding a port is what
    /// makes librdkafka's mock cluster abort when another socket took the port meanwhile.
    func setListener(_ listener: Int, down: Bool) {
        let closing: [any Channel] = connections.withLock { state in
            if down {
                state.downListeners.insert(listener)
                return state.open.values.filter { $0.listener == listener }.map(\.channel)
            }
            state.downListeners.remove(listener)
            return []
        }
        for channel in closing { channel.close(promise: nil) }
    }
}
