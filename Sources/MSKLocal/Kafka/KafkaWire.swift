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

    mutating func writeKafkaString(_ value: String?) {
        guard let value else {
            writeInteger(Int16(-1))
            return
        }
        writeInteger(Int16(value.utf8.count))
        writeString(value)
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
