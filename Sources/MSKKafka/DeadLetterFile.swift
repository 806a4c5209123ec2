import Foundation
import Synchronization

/// Messages that finally failed, one JSON object per line, appended and fsynced:
///
/// ```json
/// {"topic":"t","partition":null,"key":"base64","value":"base64","headers":[{"name":"h","value":"base64"}],
///  "attempts":11,"error":"_MSG_TIMED_OUT: Local: Message timed out","failed_at":"2026-11-22T10:00:00Z"}
/// ```
///
/// `key`, `value` and header values are base64 (standard alphabet); `partition` is `null` when
/// the partitioner chose. A replay tool reads the lines and produces them again.
public final class DeadLetterFile: Sendable {
    /// The file's path.
    public let path: String
    private let lock = Mutex(())

    /// Opens (creating if needed) the file at `path` for appending.
    public init(path: String) {
        self.path = path
    }

    struct Line: Codable {
        struct Header: Codable {
            var name: String
            var value: String
        }
        var topic: String
        var partition: Int32?
        var key: String?
        var value: String
        var headers: [Header]
        var attempts: Int
        var error: String
        var failed_at: String
    }

    /// Appends `message`; throws if the file cannot be written (the caller still gets the
    /// delivery error, with this one noted).
    func append(_ message: KafkaProducerMessage, attempts: Int, error: String) throws {
        let line = Line(
            topic: message.topic, partition: message.partition, key: message.key.map { Data($0).base64EncodedString() },
            value: Data(message.value).base64EncodedString(),
            headers: message.headers.map { .init(name: $0.name, value: Data($0.value).base64EncodedString()) },
            attempts: attempts, error: error, failed_at: Date().formatted(.iso8601)
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(line)
        data.append(0x0A)
        try lock.withLock { _ in
            let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o600)
            guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            defer { close(descriptor) }
            let written = data.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard written == data.count, fsync(descriptor) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        }
    }

    /// Reads every dead-lettered message back (for replay tools and tests).
    public static func read(path: String) throws -> [(message: KafkaProducerMessage, attempts: Int, error: String)] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").map { raw in
            let line = try JSONDecoder().decode(Line.self, from: Data(raw.utf8))
            let message = KafkaProducerMessage(
                topic: line.topic, partition: line.partition, key: line.key.flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) },
                value: [UInt8](Data(base64Encoded: line.value) ?? Data()),
                headers: line.headers.map { ($0.name, [UInt8](Data(base64Encoded: $0.value) ?? Data())) }
            )
            return (message, line.attempts, line.error)
        }
    }
}
