import Foundation

/// What every soak message carries: the stream it belongs to (a producer and one of its keys),
/// its sequence number in that stream, when it was sent, and a checksum over all of it, so the
/// consumer can tell a lost, duplicated, reordered or corrupted message. The last message of a
/// stream is an end marker whose sequence is the number of messages sent before it.
package struct SoakPayload: Equatable, Sendable {
    package var streamID: String
    package var sequence: Int
    package var sentMs: Int64
    package var isEnd = false

    package init(streamID: String, sequence: Int, sentMs: Int64, isEnd: Bool = false) {
        self.streamID = streamID
        self.sequence = sequence
        self.sentMs = sentMs
        self.isEnd = isEnd
    }

    /// `p=<stream>;s=<seq>;t=<ms>;[e=1;]c=<fnv1a64 hex>;` then padding to `size` bytes.
    package func encoded(size: Int) -> [UInt8] {
        let header = "p=\(streamID);s=\(sequence);t=\(sentMs);" + (isEnd ? "e=1;" : "")
        var bytes = Array(header.utf8)
        let padding = max(0, size - bytes.count - 21)
        let body = bytes + [UInt8](repeating: UInt8(ascii: "x"), count: padding)
        bytes.append(contentsOf: Array("c=\(String(Self.fnv1a(body), radix: 16, uppercase: false).leftPadded(16));".utf8))
        bytes.append(contentsOf: [UInt8](repeating: UInt8(ascii: "x"), count: padding))
        return bytes
    }

    package enum DecodeError: Error { case malformed, checksumMismatch }

    package static func decode(_ bytes: [UInt8]) throws(DecodeError) -> SoakPayload {
        guard let checksumStart = bytes.firstRange(of: Array(";c=".utf8))?.lowerBound else { throw .malformed }
        let header = bytes[..<(checksumStart + 1)]
        let afterChecksum = checksumStart + 3
        guard bytes.count >= afterChecksum + 17, bytes[afterChecksum + 16] == UInt8(ascii: ";") else { throw .malformed }
        let checksumText = String(decoding: bytes[afterChecksum..<(afterChecksum + 16)], as: UTF8.self)
        let padding = bytes[(afterChecksum + 17)...]
        guard let checksum = UInt64(checksumText, radix: 16) else { throw .malformed }
        guard checksum == fnv1a(Array(header) + Array(padding)) else { throw .checksumMismatch }
        var fields: [String: String] = [:]
        for part in String(decoding: header, as: UTF8.self).split(separator: ";") {
            let pair = part.split(separator: "=", maxSplits: 1)
            if pair.count == 2 { fields[String(pair[0])] = String(pair[1]) }
        }
        guard let id = fields["p"], let sequence = fields["s"].flatMap({ Int($0) }), let sent = fields["t"].flatMap({ Int64($0) }) else { throw .malformed }
        return SoakPayload(streamID: id, sequence: sequence, sentMs: sent, isEnd: fields["e"] == "1")
    }

    package static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
