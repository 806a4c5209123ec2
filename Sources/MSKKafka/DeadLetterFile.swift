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

    /// Appends `message` as one line and fsyncs; throws if the file cannot be written (the
    /// producer still reports the delivery error, with this one noted). Public for replay
    /// tools that set aside what failed again.
    public func append(_ message: KafkaProducerMessage, attempts: Int, error: String) throws {
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
    /// - Throws: ``DeadLetterFileError`` naming the file and the line that cannot be read; a
    ///   line is never skipped or read as something else.
    public static func read(path: String) throws(DeadLetterFileError) -> [(message: KafkaProducerMessage, attempts: Int, error: String)] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadable(path: path, reason: "\(error)")
        }
        var result: [(message: KafkaProducerMessage, attempts: Int, error: String)] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !raw.isEmpty {
            let number = index + 1
            let line: Line
            do {
                line = try JSONDecoder().decode(Line.self, from: Data(raw.utf8))
            } catch {
                throw .malformedLine(path: path, line: number, reason: "not a dead-letter JSON object")
            }
            func bytes(_ base64: String, _ field: String) throws(DeadLetterFileError) -> [UInt8] {
                guard let data = Data(base64Encoded: base64) else { throw .malformedLine(path: path, line: number, reason: "\(field) is not base64") }
                return [UInt8](data)
            }
            var headers: [(name: String, value: [UInt8])] = []
            for header in line.headers { headers.append((header.name, try bytes(header.value, "header '\(header.name)'"))) }
            let message = KafkaProducerMessage(
                topic: line.topic, partition: line.partition, key: try line.key.map { key throws(DeadLetterFileError) in try bytes(key, "key") },
                value: try bytes(line.value, "value"), headers: headers
            )
            result.append((message, line.attempts, line.error))
        }
        return result
    }
}

/// Why a dead-letter file could not be read.
public enum DeadLetterFileError: Error, Sendable, CustomStringConvertible {
    /// The file could not be opened or is not UTF-8.
    case unreadable(path: String, reason: String)
    /// One line is not a dead-letter record.
    case malformedLine(path: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read dead-letter file \(path): \(reason)"
        case .malformedLine(let path, let line, let reason): "\(path):\(line): \(reason)"
        }
    }
}
