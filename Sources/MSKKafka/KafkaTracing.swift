import Tracing

/// Whether a client traces its messages with swift-distributed-tracing, and with which tracer.
///
/// Traced, a ``KafkaProducer`` starts a producer span per message (`send <topic>`, with
/// OpenTelemetry's messaging attributes) and writes the span's context into the message's
/// headers with the tracer's injector (a W3C tracer writes `traceparent` and `tracestate`); a
/// ``KafkaConsumer`` reads the context back from each message's headers, records a consumer
/// span (`receive <topic>`) as its child and hands it over as
/// ``KafkaConsumerMessage/serviceContext``. See <doc:TracingThroughKafka>.
///
/// Untraced — the default when no tracer is bootstrapped — a client does not look at headers
/// and reads no task-local value: the whole cost is one check of a stored optional per message.
public struct KafkaTracing: Sendable {
    private enum Choice: Sendable {
        case bootstrapped, disabled
        case tracer(any Tracer)
    }

    private let choice: Choice

    /// The tracer `InstrumentationSystem` has when the client is made (bootstrapped, or bound
    /// for the task with `withTracer`); no tracing when it has none. The default: bootstrap the
    /// tracer before making the client.
    public static let bootstrapped = KafkaTracing(choice: .bootstrapped)

    /// No tracing, whatever tracer is bootstrapped.
    public static let disabled = KafkaTracing(choice: .disabled)

    /// Traces with `tracer`, whatever is bootstrapped.
    public static func tracer(_ tracer: any Tracer) -> KafkaTracing {
        KafkaTracing(choice: .tracer(tracer))
    }

    /// The tracer a client made now uses, or `nil` for none. Read once per client, never per
    /// message: `InstrumentationSystem.tracer` takes a lock and reads a task-local.
    var resolved: (any Tracer)? {
        switch choice {
        case .disabled: nil
        case .tracer(let tracer): tracer
        case .bootstrapped:
            InstrumentationSystem.tracer is NoOpTracer ? nil : InstrumentationSystem.tracer
        }
    }
}
