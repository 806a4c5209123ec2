/// base64url (RFC 4648 §5) without `=` padding, as MSK expects its tokens.
enum Base64URL {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static func encodeWithoutPadding(_ text: String.UTF8View) -> String {
        var text = String(text)
        return text.withUTF8 { encodeWithoutPadding($0) }
    }

    static func encodeWithoutPadding(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let length = (bytes.count * 4 + 2) / 3
        return alphabet.withUnsafeBufferPointer { alphabet in
            String(unsafeUninitializedCapacity: length) { output in
                var out = 0
                var index = 0
                while index + 3 <= bytes.count {
                    let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
                    output[out] = alphabet[Int(chunk >> 18 & 0x3F)]
                    output[out + 1] = alphabet[Int(chunk >> 12 & 0x3F)]
                    output[out + 2] = alphabet[Int(chunk >> 6 & 0x3F)]
                    output[out + 3] = alphabet[Int(chunk & 0x3F)]
                    out += 4
                    index += 3
                }
                let remaining = bytes.count - index
                if remaining > 0 {
                    var chunk = UInt32(bytes[index]) << 16
                    if remaining == 2 { chunk |= UInt32(bytes[index + 1]) << 8 }
                    output[out] = alphabet[Int(chunk >> 18 & 0x3F)]
                    output[out + 1] = alphabet[Int(chunk >> 12 & 0x3F)]
                    out += 2
                    if remaining == 2 {
                        output[out] = alphabet[Int(chunk >> 6 & 0x3F)]
                        out += 1
                    }
                }
                return out
            }
        }
    }

    /// Decodes base64url with or without padding; `nil` for anything else.
    static func decode(_ text: String) -> [UInt8]? {
        var values = [UInt8]()
        values.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): values.append(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): values.append(byte - UInt8(ascii: "a") + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): values.append(byte - UInt8(ascii: "0") + 52)
            case UInt8(ascii: "-"): values.append(62)
            case UInt8(ascii: "_"): values.append(63)
            case UInt8(ascii: "="): continue
            default: return nil
            }
        }
        if values.count % 4 == 1 { return nil }
        var output = [UInt8]()
        output.reserveCapacity(values.count * 3 / 4)
        var index = 0
        while index < values.count {
            let group = values[index..<min(index + 4, values.count)]
            var chunk: UInt32 = 0
            for (offset, value) in group.enumerated() { chunk |= UInt32(value) << (18 - 6 * offset) }
            output.append(UInt8(chunk >> 16 & 0xFF))
            if group.count > 2 { output.append(UInt8(chunk >> 8 & 0xFF)) }
            if group.count > 3 { output.append(UInt8(chunk & 0xFF)) }
            index += 4
        }
        return output
    }
}
