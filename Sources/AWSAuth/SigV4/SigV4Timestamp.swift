import Foundation

/// The two renderings of the signing time SigV4 needs: `yyyyMMdd'T'HHmmss'Z'` for
/// `X-Amz-Date` and `yyyyMMdd` for the credential scope, always in UTC.
///
/// Formatted by hand from `gmtime_r`: a `DateFormatter` would dominate the cost of a token.
struct SigV4Timestamp: Sendable, Equatable {
    /// `20261122T090239Z`
    let dateTime: String
    /// `20261122`
    let date: String

    init(_ instant: Date) {
        var seconds = time_t(instant.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var text = [UInt8]()
        text.reserveCapacity(16)
        Self.digits(parts.tm_year + 1900, 4, into: &text)
        Self.digits(parts.tm_mon + 1, 2, into: &text)
        Self.digits(parts.tm_mday, 2, into: &text)
        date = String(decoding: text, as: UTF8.self)
        text.append(UInt8(ascii: "T"))
        Self.digits(parts.tm_hour, 2, into: &text)
        Self.digits(parts.tm_min, 2, into: &text)
        Self.digits(parts.tm_sec, 2, into: &text)
        text.append(UInt8(ascii: "Z"))
        dateTime = String(decoding: text, as: UTF8.self)
    }

    /// Appends `value` as exactly `width` decimal digits.
    private static func digits(_ value: Int32, _ width: Int, into text: inout [UInt8]) {
        var divisor: Int32 = 1
        for _ in 1..<width { divisor *= 10 }
        var remaining = value
        while divisor > 0 {
            text.append(UInt8(ascii: "0") + UInt8(remaining / divisor))
            remaining %= divisor
            divisor /= 10
        }
    }
}
