import NIOCore

/// Splits a TCP stream into Kafka frames: an INT32 size, then that many bytes. Emits the frame
/// without its size prefix. A size below 8 or above `maximumFrameSize` closes the connection
/// (a client speaking something else, or garbage), as a broker would.
struct KafkaFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    /// Kafka's own default for `socket.request.max.bytes` is 100 MiB.
    var maximumFrameSize = 100 * 1024 * 1024

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let size = buffer.getInteger(at: buffer.readerIndex, as: Int32.self) else { return .needMoreData }
        guard size >= 4, Int(size) <= maximumFrameSize else {
            throw KafkaWireError("frame size \(size) is outside 4...\(maximumFrameSize)")
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
        out.writeInteger(Int32(data.readableBytes))
        out.writeImmutableBuffer(data)
    }
}
