import NIOCore
import NIOPosix

/// Asks an upstream broker, once at start, which API versions it supports (ApiVersions v0), so
/// that the gateway can answer ApiVersions itself — before authentication, without a
/// connection upstream, and in encodings the upstream does not know.
enum UpstreamAPIVersions {
    static func fetch(from address: SocketAddress, group: any EventLoopGroup) async throws -> [KafkaAPIVersionRange] {
        let answered = group.next().makePromise(of: ByteBuffer.self)
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(KafkaFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(KafkaFrameEncoder()))
                    try channel.pipeline.syncOperations.addHandler(FirstFrameHandler(promise: answered))
                }
            }
            .connect(to: address)
            .get()
        defer { channel.close(promise: nil) }
        var request = channel.allocator.buffer(capacity: 32)
        request.writeInteger(KafkaAPI.apiVersions)
        request.writeInteger(Int16(0))
        request.writeInteger(Int32(1))  // correlation id
        request.writeKafkaString("msk-local")
        try await channel.writeAndFlush(request)
        let timeout = channel.eventLoop.scheduleTask(in: .seconds(5)) { answered.fail(KafkaWireError("no ApiVersions answer from \(address) in 5 s")) }
        defer { timeout.cancel() }
        var response = try await answered.futureResult.get()
        guard try response.readKafkaInt32() == 1 else { throw KafkaWireError("the ApiVersions answer from \(address) has another correlation id") }
        return try KafkaAPIVersions.parseV0(response)
    }
}

/// Hands the first frame read to a promise; fails it if the connection closes first.
private final class FirstFrameHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let promise: EventLoopPromise<ByteBuffer>

    init(promise: EventLoopPromise<ByteBuffer>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        promise.succeed(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(KafkaWireError("the upstream closed the connection before answering ApiVersions"))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }
}
