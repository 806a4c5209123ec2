/// The percent-encoding SigV4 prescribes: the unreserved characters `A-Z a-z 0-9 - _ . ~` stay,
/// every other UTF-8 byte becomes `%XX` with upper-case hex.
///
/// This is stricter than `addingPercentEncoding` with any of Foundation's character sets
/// (which keep `+`, `=`, `/` and friends), and it must be: the server recomputes the canonical
/// request with exactly these rules and any difference is a signature mismatch.
enum SigV4Encoding {
    private static let upperHex: [UInt8] = Array("0123456789ABCDEF".utf8)
    private static let lowerHex: [UInt8] = Array("0123456789abcdef".utf8)

    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// Encodes `string`; with `keepingSlash` the `/` path separator is kept (canonical URIs).
    static func encode(_ string: String, keepingSlash: Bool = false) -> String {
        var output = [UInt8]()
        output.reserveCapacity(string.utf8.count + 16)
        append(string, to: &output, keepingSlash: keepingSlash)
        return String(decoding: output, as: UTF8.self)
    }

    /// Appends the encoding of `string` to `output` (no intermediate `String`).
    static func append(_ string: String, to output: inout [UInt8], keepingSlash: Bool = false) {
        for byte in string.utf8 {
            if isUnreserved(byte) || (keepingSlash && byte == UInt8(ascii: "/")) {
                output.append(byte)
            } else {
                output.append(UInt8(ascii: "%"))
                output.append(upperHex[Int(byte >> 4)])
                output.append(upperHex[Int(byte & 0x0F)])
            }
        }
    }

    /// Lower-case hex of `bytes`, as SigV4 prints hashes and signatures.
    static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var output = [UInt8]()
        output.reserveCapacity(64)
        for byte in bytes {
            output.append(lowerHex[Int(byte >> 4)])
            output.append(lowerHex[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes `%XX` sequences (used to turn an already-encoded URL query or path back into the
    /// raw values before re-encoding them canonically). Malformed escapes are kept literally.
    static func percentDecode(_ string: Substring) -> String {
        guard string.contains("%") else { return String(string) }
        var output = [UInt8]()
        output.reserveCapacity(string.utf8.count)
        var bytes = string.utf8[...]
        while let byte = bytes.popFirst() {
            if byte == UInt8(ascii: "%"), bytes.count >= 2,
               let high = hexValue(bytes[bytes.startIndex]),
               let low = hexValue(bytes[bytes.index(after: bytes.startIndex)]) {
                output.append(high << 4 | low)
                bytes = bytes.dropFirst(2)
            } else {
                output.append(byte)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
