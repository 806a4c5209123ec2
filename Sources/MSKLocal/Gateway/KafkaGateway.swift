import NIOCore
import NIOPosix
import NIOSSL

/// The SASL/OAUTHBEARER front door: one listener per upstream broker, each proxying to its
/// broker through a ``GatewayConnectionHandler``.
final class KafkaGateway: Sendable {
    /// `host:port` of each listener, in the order of the upstreams.
    let listenAddresses: [String]
    private let serverChannels: [any Channel]
    private let shared: GatewayShared

    /// Binds one listener per `upstreams` entry (`host:port`) on `host`, on `ports[i]` when
    /// given (0 or absent: ephemeral); with `tls`, every listener speaks TLS first.
    static func start(upstreams: [String], host: String, ports: [Int], tls: NIOSSLContext?, shared: GatewayShared, group: any EventLoopGroup) async throws -> KafkaGateway {
        var channels: [any Channel] = []
        var addresses: [String] = []
        do {
            // Every broker of the mock supports the same versions: ask the first.
            if let first = upstreams.first {
                shared.setUpstreamVersions(try await UpstreamAPIVersions.fetch(from: try Self.socketAddress(first), group: group))
            }
            for (index, upstream) in upstreams.enumerated() {
                let upstreamAddress = try Self.socketAddress(upstream)
                let channel = try await ServerBootstrap(group: group)
                    .serverChannelOption(.backlog, value: 256)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                    // Writes past 1 MiB unread by the client make the channel unwritable, which
                    // pauses reading from it and from its upstream (GatewayConnectionHandler).
                    .childChannelOption(.writeBufferWaterMark, value: .init(low: 256 * 1024, high: 1024 * 1024))
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                            let limit = KafkaFrameSizeLimit(shared.limits.maximumFrameSizeBeforeAuthentication)
                            try channel.pipeline.syncOperations.addHandler(IdleStateHandler(allTimeout: TimeAmount(shared.limits.idleTimeout)))
                            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(KafkaFrameDecoder(limit: limit)))
                            try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(KafkaFrameEncoder()))
                            try channel.pipeline.syncOperations.addHandler(
                                GatewayConnectionHandler(shared: shared, listener: index, upstreamAddress: upstreamAddress, frameLimit: limit)
                            )
                        }
                    }
                    .bind(host: host, port: index < ports.count ? ports[index] : 0)
                    .get()
                let port = channel.localAddress?.port ?? 0
                shared.setListener(upstream: upstream, host: host, port: port)
                channels.append(channel)
                addresses.append("\(host):\(port)")
            }
        } catch {
            for channel in channels { try? await channel.close() }
            throw error
        }
        return KafkaGateway(listenAddresses: addresses, serverChannels: channels, shared: shared)
    }

    private init(listenAddresses: [String], serverChannels: [any Channel], shared: GatewayShared) {
        self.listenAddresses = listenAddresses
        self.serverChannels = serverChannels
        self.shared = shared
    }

    /// Closes every client connection now; returns how many there were.
    @discardableResult
    func dropAllConnections() -> Int {
        shared.dropAllConnections()
    }

    /// Takes the listener of upstream broker `index` (0-based) down — its connections closed,
    /// new ones closed at once — or brings it back up. Its socket stays bound throughout.
    func setListener(_ index: Int, down: Bool) {
        shared.setListener(index, down: down)
    }

    /// Stops listening and closes every connection.
    func shutdown() async {
        for channel in serverChannels { try? await channel.close() }
        shared.dropAllConnections()
    }

    static func socketAddress(_ hostPort: String) throws -> SocketAddress {
        guard let colon = hostPort.lastIndex(of: ":"), let port = Int(hostPort[hostPort.index(after: colon)...]) else {
            throw MSKLocalError.invalidAddress(hostPort)
        }
        return try SocketAddress(ipAddress: String(hostPort[..<colon]), port: port)
    }
}
