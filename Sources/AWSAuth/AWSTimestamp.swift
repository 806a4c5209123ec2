import Foundation

/// Parses the ISO 8601 timestamps AWS endpoints return (`2026-11-22T10:02:39Z`, with or without
/// fractional seconds, or with an offset).
enum AWSTimestamp {
    static func parse(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let date = try? Date(trimmed, strategy: .iso8601) { return date }
        let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        return try? Date(trimmed, strategy: fractional)
    }
}
