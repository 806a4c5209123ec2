import Logging
import Metrics
import Synchronization
import Tracing

/// A tracer that propagates W3C trace context and logs each finished span (at `debug`: ids,
/// parent, kind, duration, status), counting them by kind on /metrics
/// (`order_service_spans_finished_total`).
///
/// It stands in for an exporter: swift-otel would send the same spans to an OpenTelemetry
/// collector, but it takes some seven minutes to build on a 2-core CI machine and needs a
/// collector to be worth anything. Swapping it in is one line: bootstrap its tracer instead.
struct W3CTracer: Tracer {
    typealias Span = LoggedSpan

    let logger: Logger
    let finished: [SpanKind: Counter]

    init(logger: Logger) {
        self.logger = logger
        let kinds: [SpanKind] = [.server, .client, .producer, .consumer, .internal]
        finished = Dictionary(uniqueKeysWithValues: kinds.map {
            ($0, Counter(label: "order_service_spans_finished_total", dimensions: [("kind", "\($0)")]))
        })
    }

    func startSpan<Instant: TracerInstant>(
        _ operationName: String, context: @autoclosure () -> ServiceContext, ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant, function: String, file fileID: String, line: UInt
    ) -> LoggedSpan {
        var context = context()
        let parent = context.w3cTraceContext
        let own = W3CTraceContext(traceID: parent?.traceID ?? W3CTraceContext.randomTraceID(), spanID: W3CTraceContext.randomSpanID(),
                                  sampled: parent?.sampled ?? true, state: parent?.state)
        context.w3cTraceContext = own
        return LoggedSpan(operationName: operationName, kind: kind, context: context, parentSpanID: parent?.spanID,
                          startNanoseconds: instant().nanosecondsSinceEpoch, logger: logger, finished: finished[kind])
    }

    func forceFlush() {}

    func inject<Carrier, Inject: Injector>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject) where Inject.Carrier == Carrier {
        guard let trace = context.w3cTraceContext else { return }
        injector.inject(trace.traceparent, forKey: "traceparent", into: &carrier)
        if let state = trace.state, !state.isEmpty { injector.inject(state, forKey: "tracestate", into: &carrier) }
    }

    func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract) where Extract.Carrier == Carrier {
        guard let header = extractor.extract(key: "traceparent", from: carrier), var trace = W3CTraceContext(traceparent: header) else { return }
        trace.state = extractor.extract(key: "tracestate", from: carrier)
        context.w3cTraceContext = trace
    }
}

/// A span of ``W3CTracer``: its mutable parts behind a lock, as spans are shared across tasks.
final class LoggedSpan: Span {
    let context: ServiceContext
    private let kind: SpanKind
    private let parentSpanID: String?
    private let startNanoseconds: UInt64
    private let logger: Logger
    private let finished: Counter?
    private let state: Mutex<State>

    private struct State {
        var operationName: String
        var attributes = SpanAttributes()
        var status: SpanStatus?
        var errors = 0
        var ended = false
    }

    init(operationName: String, kind: SpanKind, context: ServiceContext, parentSpanID: String?, startNanoseconds: UInt64, logger: Logger, finished: Counter?) {
        self.context = context
        self.kind = kind
        self.parentSpanID = parentSpanID
        self.startNanoseconds = startNanoseconds
        self.logger = logger
        self.finished = finished
        state = Mutex(State(operationName: operationName))
    }

    var operationName: String {
        get { state.withLock { $0.operationName } }
        set { state.withLock { $0.operationName = newValue } }
    }

    var attributes: SpanAttributes {
        get { state.withLock { $0.attributes } }
        set { state.withLock { $0.attributes = newValue } }
    }

    var isRecording: Bool { state.withLock { !$0.ended } }

    func setStatus(_ status: SpanStatus) { state.withLock { $0.status = status } }
    func addEvent(_ event: SpanEvent) {}
    func addLink(_ link: SpanLink) {}

    func recordError<Instant: TracerInstant>(_ error: Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant) {
        state.withLock { $0.errors += 1 }
    }

    func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        guard let ended = state.withLock({ state -> State? in
            guard !state.ended else { return nil }
            state.ended = true
            return state
        }) else { return }
        finished?.increment()
        let trace = context.w3cTraceContext
        logger.debug("span", metadata: [
            "name": "\(ended.operationName)", "kind": "\(kind)",
            "trace_id": "\(trace?.traceID ?? "-")", "span_id": "\(trace?.spanID ?? "-")", "parent_id": "\(parentSpanID ?? "-")",
            "duration_us": "\((instant().nanosecondsSinceEpoch &- startNanoseconds) / 1_000)",
            "status": "\(ended.status.map { "\($0.code)" } ?? "unset")", "errors": "\(ended.errors)",
        ])
    }
}
