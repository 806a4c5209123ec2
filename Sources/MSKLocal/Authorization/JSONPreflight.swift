/// One pass over a JSON text's bytes, before Foundation parses it, for what Foundation would
/// either struggle with or let through: nesting deeper than a limit (refused before a recursive
/// parser sees it) and a trailing comma before `}` or `]` (which Foundation's parser accepts on
/// some platforms and IAM does not). Brackets and commas inside strings do not count.
///
/// The text need not be valid JSON; anything else wrong with it is left to the parser.
enum JSONPreflight {
    enum Finding: Equatable {
        /// Objects and arrays nest deeper than the limit.
        case tooDeep
        /// A `,` directly (but for whitespace) before the `}` or `]` at `offset`.
        case trailingComma(offset: Int)
    }

    /// The first finding in `bytes`, or `nil`.
    static func check(_ bytes: [UInt8], depthLimit: Int) -> Finding? {
        var depth = 0
        var inString = false
        var escaped = false
        var afterComma = false
        for (offset, byte) in bytes.enumerated() {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                continue
            case UInt8(ascii: "\""):
                inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                if depth > depthLimit { return .tooDeep }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if afterComma { return .trailingComma(offset: offset) }
                depth = max(0, depth - 1)
            default:
                break
            }
            afterComma = byte == UInt8(ascii: ",")
        }
        return nil
    }
}
