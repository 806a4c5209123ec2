import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A small HTTP/1.1 server on loopback that hands whole requests to a routing closure. Serves
/// msk-local's STS, IMDS, ECS and control endpoints.
///
/// Bounded as a server facing anyone on the machine must be: at most ``maximumConnections``
/// open (more are closed at once); the first request's head must arrive within
/// ``requestDeadline`` of the connection, a later one's within ``idleTimeout`` of the previous
/// answer, and each body within ``requestDeadline`` of its head; bodies are at most
/// ``maximumBodyBytes`` (a longer one is answered 413 and its connection closed).
final class LocalHTTPServer: Sendable {
    typealias Route = @Sendable (LocalHTTPRequest) -> LocalHTTPResponse

    static let maximumConnections = 512
    static let maximumBodyBytes = 1 << 20
    static let requestDeadline: TimeAmount = .seconds(10)
    static let idleTimeout: TimeAmount = .seconds(60)

    /// `http://host:port`
    let baseURL: String
    private let channel: any Channel

    static func start(host: String, port: Int, group: any EventLoopGroup, route: @escaping Route) async throws -> LocalHTTPServer {
        let open = ConnectionCount()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(LocalHTTPHandler(route: route, open: open))
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

/// Open connections, shared by every handler of one server.
private final class ConnectionCount: Sendable {
    private let count = Atomic(0)

    /// Counts one more, unless ``LocalHTTPServer/maximumConnections`` are open.
    func admit() -> Bool {
        if count.wrappingAdd(1, ordering: .relaxed).newValue <= LocalHTTPServer.maximumConnections { return true }
        count.wrappingSubtract(1, ordering: .relaxed)
        return false
    }

    func release() {
        count.wrappingSubtract(1, ordering: .relaxed)
    }
}

private final class LocalHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let route: LocalHTTPServer.Route
    private let open: ConnectionCount
    private var admitted = false
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    /// A body outgrew ``LocalHTTPServer/maximumBodyBytes``: it was answered 413, and the rest
    /// of it is read and dropped (so the client, still sending, gets to read the answer) until
    /// its end or the deadline, then the connection is closed.
    private var discardingBody = false
    /// Closes the connection unless the request under way (or the next one) completes in time.
    private var deadline: Scheduled<Void>?

    init(route: @escaping LocalHTTPServer.Route, open: ConnectionCount) {
        self.route = route
        self.open = open
    }

    func channelActive(context: ChannelHandlerContext) {
        admitted = open.admit()
        guard admitted else {
            context.close(promise: nil)
            return
        }
        arm(LocalHTTPServer.requestDeadline, context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        if admitted { open.release() }
        admitted = false
        context.fireChannelInactive()
    }

    private func arm(_ timeout: TimeAmount, context: ChannelHandlerContext) {
        deadline?.cancel()
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
            arm(LocalHTTPServer.requestDeadline, context: context)
            // A declared length over the bound is refused before any of the body arrives.
            if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > LocalHTTPServer.maximumBodyBytes {
                refuseOversizedBody(head, declared: length, context: context)
            }
        case .body(var chunk):
            guard !discardingBody else { return }
            guard body.readableBytes + chunk.readableBytes <= LocalHTTPServer.maximumBodyBytes else {
                if let head { refuseOversizedBody(head, declared: nil, context: context) }
                return
            }
            body.writeBuffer(&chunk)
        case .end:
            if discardingBody {
                context.close(promise: nil)
                return
            }
            guard let head else { return }
            self.head = nil
            deadline?.cancel()
            deadline = nil
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
        if keepAlive { arm(LocalHTTPServer.idleTimeout, context: context) }
    }

    private func refuseOversizedBody(_ head: HTTPRequestHead, declared: Int?, context: ChannelHandlerContext) {
        discardingBody = true
        body.clear()
        let size = declared.map { "\($0) bytes" } ?? "more than that"
        let answer = LocalHTTPResponse.json(413, ["error": "request body too large: \(size), at most \(LocalHTTPServer.maximumBodyBytes) bytes"])
        var responseHead = HTTPResponseHead(version: head.version, status: .payloadTooLarge)
        responseHead.headers.add(name: "Content-Type", value: answer.contentType)
        responseHead.headers.add(name: "Content-Length", value: String(answer.body.count))
        responseHead.headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: answer.body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    private static func split(_ uri: String) -> (String, String) {
        guard let mark = uri.firstIndex(of: "?") else { return (uri, "") }
        return (String(uri[..<mark]), String(uri[uri.index(after: mark)...]))
    }
}
