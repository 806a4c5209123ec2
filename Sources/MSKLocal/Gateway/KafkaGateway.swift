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
            for (index, upstream) in upstreams.enumerated() {
                let upstreamAddress = try Self.socketAddress(upstream)
                let channel = try await ServerBootstrap(group: group)
                    .serverChannelOption(.backlog, value: 256)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(KafkaFrameDecoder()))
                            try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(KafkaFrameEncoder()))
                            try channel.pipeline.syncOperations.addHandler(GatewayConnectionHandler(shared: shared, upstreamAddress: upstreamAddress))
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
