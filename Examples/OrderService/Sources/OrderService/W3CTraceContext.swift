import Tracing

/// A W3C trace context (https://www.w3.org/TR/trace-context/): what `traceparent` and
/// `tracestate` carry from one process to the next, over HTTP or in Kafka message headers.
struct W3CTraceContext: Sendable, Equatable {
    /// 32 lower-case hex digits.
    var traceID: String
    /// 16 lower-case hex digits: the span this context names.
    var spanID: String
    var sampled: Bool
    /// `tracestate`, passed on as it came.
    var state: String?

    /// `00-<trace id>-<span id>-<flags>`.
    var traceparent: String { "00-\(traceID)-\(spanID)-\(sampled ? "01" : "00")" }

    /// Parses a `traceparent` header; `nil` for anything malformed or all-zero ids, which the
    /// specification says to ignore (a new trace starts instead).
    init?(traceparent: String) {
        let parts = traceparent.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[0].count == 2, parts[0] != "ff", parts[1].count == 32, parts[2].count == 16, parts[3].count == 2,
              parts.prefix(4).allSatisfy({ $0.allSatisfy(\.isHexDigit) }),
              parts[1].contains(where: { $0 != "0" }), parts[2].contains(where: { $0 != "0" }),
              let flags = UInt8(parts[3], radix: 16)
        else { return nil }
        traceID = parts[1].lowercased()
        spanID = parts[2].lowercased()
        sampled = flags & 1 == 1
    }

    init(traceID: String, spanID: String, sampled: Bool, state: String?) {
        self.traceID = traceID
        self.spanID = spanID
        self.sampled = sampled
        self.state = state
    }

    static func randomTraceID() -> String { hex(UInt64.random(in: 1...UInt64.max)) + hex(UInt64.random(in: 0...UInt64.max)) }
    static func randomSpanID() -> String { hex(UInt64.random(in: 1...UInt64.max)) }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// Where a ``W3CTraceContext`` lives in a `ServiceContext`.
enum W3CTraceContextKey: ServiceContextKey {
    typealias Value = W3CTraceContext
}

extension ServiceContext {
    var w3cTraceContext: W3CTraceContext? {
        get { self[W3CTraceContextKey.self] }
        set { self[W3CTraceContextKey.self] = newValue }
    }
}
