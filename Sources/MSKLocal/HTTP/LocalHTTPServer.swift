import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 server on loopback that hands whole requests to a routing closure. Serves
/// msk-local's STS, IMDS, ECS and control endpoints.
final class LocalHTTPServer: Sendable {
    typealias Route = @Sendable (LocalHTTPRequest) -> LocalHTTPResponse

    /// `http://host:port`
    let baseURL: String
    private let channel: any Channel

    static func start(host: String, port: Int, group: any EventLoopGroup, route: @escaping Route) async throws -> LocalHTTPServer {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(LocalHTTPHandler(route: route))
                }
            }
            .bind(host: host, port: port)
            .get()
        return LocalHTTPServer(baseURL: "http://\(host):\(channel.localAddress?.port ?? port)", channel: channel)
    }

    private init(baseURL: String, channel: any Channel) {
        self.baseURL = baseURL
        self.channel = channel
    }

    func shutdown() async {
        try? await channel.close()
    }
}

private final class LocalHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let route: LocalHTTPServer.Route
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()

    init(route: @escaping LocalHTTPServer.Route) {
        self.route = route
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
        case .body(var chunk):
            guard body.readableBytes + chunk.readableBytes <= 1 << 20 else {
                context.close(promise: nil)
                return
            }
            body.writeBuffer(&chunk)
        case .end:
            guard let head else { return }
            self.head = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let (path, query) = Self.split(head.uri)
        var headers: [String: String] = [:]
        for (name, value) in head.headers {
            let lower = name.lowercased()
            headers[lower] = headers[lower].map { $0 + "," + value } ?? value
        }
        let request = LocalHTTPRequest(method: head.method.rawValue, path: path, query: query, headers: headers, body: Data(body.readableBytesView))
        let response = route(request)
        if let hang = response.hangFor {
            let channel = context.channel
            context.eventLoop.scheduleTask(in: TimeAmount(hang)) { channel.close(promise: nil) }
            return
        }
        var responseHead = HTTPResponseHead(version: head.version, status: HTTPResponseStatus(statusCode: response.status))
        responseHead.headers.add(name: "Content-Type", value: response.contentType)
        responseHead.headers.add(name: "Content-Length", value: String(response.body.count))
        responseHead.headers.add(name: "Connection", value: head.isKeepAlive ? "keep-alive" : "close")
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: response.body)))), promise: nil)
        let keepAlive = head.isKeepAlive
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }

    private static func split(_ uri: String) -> (String, String) {
        guard let mark = uri.firstIndex(of: "?") else { return (uri, "") }
        return (String(uri[..<mark]), String(uri[uri.index(after: mark)...]))
    }
}
