import NIOCore

/// Why a Kafka frame could not be read: the gateway closes the connection rather than guess.
struct KafkaWireError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Kafka's non-flexible primitive types (the protocol's `STRING`, `NULLABLE_STRING`, `BYTES`,
/// arrays with an `INT32` count), read and written on a `ByteBuffer`. Every read throws on a
/// short or malformed buffer instead of trapping.
extension ByteBuffer {
    mutating func readKafkaInt8() throws -> Int8 {
        guard let value = readInteger(as: Int8.self) else { throw KafkaWireError("truncated INT8") }
        return value
    }

    mutating func readKafkaInt16() throws -> Int16 {
        guard let value = readInteger(as: Int16.self) else { throw KafkaWireError("truncated INT16") }
        return value
    }

    mutating func readKafkaInt32() throws -> Int32 {
        guard let value = readInteger(as: Int32.self) else { throw KafkaWireError("truncated INT32") }
        return value
    }

    /// `STRING` / `NULLABLE_STRING`: INT16 length (-1 for null), then UTF-8.
    mutating func readKafkaString() throws -> String? {
        let length = try readKafkaInt16()
        if length < 0 { return nil }
        guard let text = readString(length: Int(length)) else { throw KafkaWireError("truncated STRING of \(length) bytes") }
        return text
    }

    /// `BYTES` / `NULLABLE_BYTES`: INT32 length (-1 for null), then the bytes.
    mutating func readKafkaBytes() throws -> [UInt8]? {
        let length = try readKafkaInt32()
        if length < 0 { return nil }
        guard let bytes = readBytes(length: Int(length)) else { throw KafkaWireError("truncated BYTES of \(length) bytes") }
        return bytes
    }

    /// An array's INT32 element count; null (-1) reads as 0. Bounded by what is left to read,
    /// so a corrupt count cannot make a caller loop for billions of iterations.
    mutating func readKafkaArrayCount(minimumElementSize: Int) throws -> Int {
        let count = try readKafkaInt32()
        if count < 0 { return 0 }
        guard Int(count) * max(minimumElementSize, 1) <= readableBytes else {
            throw KafkaWireError("array of \(count) elements does not fit in \(readableBytes) bytes")
        }
        return Int(count)
    }

    /// An unsigned varint (the flexible versions' lengths and tag counts), at most 5 bytes.
    mutating func readKafkaUnsignedVarint() throws -> UInt32 {
        var value: UInt32 = 0
        for shift in stride(from: 0, to: 35, by: 7) {
            guard let byte = readInteger(as: UInt8.self) else { throw KafkaWireError("truncated varint") }
            value |= UInt32(byte & 0x7F) << UInt32(shift)
            if byte & 0x80 == 0 { return value }
        }
        throw KafkaWireError("varint longer than 5 bytes")
    }

    /// A `COMPACT_STRING` / `COMPACT_NULLABLE_STRING` (flexible versions): length + 1 as an
    /// unsigned varint (0 for null), then UTF-8.
    mutating func readKafkaCompactString() throws -> String? {
        let lengthPlusOne = Int(try readKafkaUnsignedVarint())
        if lengthPlusOne == 0 { return nil }
        guard let text = readString(length: lengthPlusOne - 1) else { throw KafkaWireError("truncated COMPACT_STRING of \(lengthPlusOne - 1) bytes") }
        return text
    }

    mutating func writeKafkaUnsignedVarint(_ value: UInt32) {
        var rest = value
        while rest >= 0x80 {
            writeInteger(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        writeInteger(UInt8(rest))
    }

    /// Skips a tagged-field section (flexible versions): a count, then tag, size and data each.
    mutating func skipKafkaTaggedFields() throws {
        let count = try readKafkaUnsignedVarint()
        for _ in 0..<count {
            _ = try readKafkaUnsignedVarint()
            let size = Int(try readKafkaUnsignedVarint())
            guard size <= readableBytes else { throw KafkaWireError("tagged field of \(size) bytes does not fit") }
            moveReaderIndex(forwardBy: size)
        }
    }

    /// `STRING` / `NULLABLE_STRING`. A value longer than a Kafka string can be (32,767 UTF-8
    /// bytes) is cut at the last whole character that fits: the strings written here are
    /// messages that may quote what a client sent, and a long quote must not stop the answer.
    mutating func writeKafkaString(_ value: String?) {
        guard let value else {
            writeInteger(Int16(-1))
            return
        }
        let utf8 = value.utf8
        guard utf8.count > Int(Int16.max) else {
            writeInteger(Int16(utf8.count))
            writeString(value)
            return
        }
        var end = utf8.index(utf8.startIndex, offsetBy: Int(Int16.max))
        while end > utf8.startIndex, UTF8.isContinuation(utf8[end]) { end = utf8.index(before: end) }
        let prefix = utf8[..<end]
        writeInteger(Int16(prefix.count))
        writeBytes(prefix)
    }

    mutating func writeKafkaBytes(_ value: [UInt8]?) {
        guard let value else {
            writeInteger(Int32(-1))
            return
        }
        writeInteger(Int32(value.count))
        writeBytes(value)
    }
}
