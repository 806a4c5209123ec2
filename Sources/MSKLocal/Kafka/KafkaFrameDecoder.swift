import NIOCore

/// The largest frame a connection accepts now. A class so that the connection's handler can
/// raise it once the client has authenticated while the decoder, owned by its
/// `ByteToMessageHandler`, reads it. Both live on the connection's event loop only.
final class KafkaFrameSizeLimit {
    var maximum: Int

    init(_ maximum: Int) {
        self.maximum = maximum
    }
}

/// Splits a TCP stream into Kafka frames: an INT32 size, then that many bytes. Emits the frame
/// without its size prefix. A size below 4 or above the limit closes the connection (a client
/// speaking something else, or garbage) before any of the frame is buffered, as a broker would.
struct KafkaFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    let limit: KafkaFrameSizeLimit

    /// Kafka's own default for `socket.request.max.bytes` is 100 MiB.
    init(limit: KafkaFrameSizeLimit = KafkaFrameSizeLimit(100 * 1024 * 1024)) {
        self.limit = limit
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let size = buffer.getInteger(at: buffer.readerIndex, as: Int32.self) else { return .needMoreData }
        guard size >= 4, Int(size) <= limit.maximum else {
            throw KafkaWireError("frame size \(size) is outside 4...\(limit.maximum)")
        }
        guard buffer.readableBytes >= 4 + Int(size) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        context.fireChannelRead(wrapInboundOut(buffer.readSlice(length: Int(size))!))
        return .continue
    }
}

/// Adds the INT32 size prefix to outgoing frames.
struct KafkaFrameEncoder: MessageToByteEncoder {
    typealias OutboundIn = ByteBuffer

    func encode(data: ByteBuffer, out: inout ByteBuffer) throws {
        guard data.readableBytes <= Int(Int32.max) else { throw KafkaWireError("a frame of \(data.readableBytes) bytes is too large to send") }
        out.writeInteger(Int32(data.readableBytes))
        out.writeImmutableBuffer(data)
    }
}
