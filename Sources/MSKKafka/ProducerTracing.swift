import Tracing

/// The producer's side of tracing: a producer span per message, whose context goes into the
/// message's headers before librdkafka sees them. Exists only when a tracer is configured
/// (``KafkaTracing``); an untraced producer holds `nil` and never reaches this code. A class so
/// that the producer's check per message is of one pointer, not a copy of an existential.
final class ProducerTracing: Sendable {
    let tracer: any Tracer
    let clientID: String

    init(tracer: any Tracer, clientID: String) {
        self.tracer = tracer
        self.clientID = clientID
    }

    /// Starts the span of a message whose outcome will be known (``KafkaProducer/send(_:)``,
    /// ``KafkaProducer/enqueue(_:completion:)``): its parent is the task's current context, it
    /// ends with the outcome — partition and offset on delivery, the error on failure.
    /// Returns the message with the span's context in its headers and the completion that ends it.
    func start(_ message: KafkaProducerMessage, completion: DeliveryCompletion) -> (KafkaProducerMessage, DeliveryCompletion) {
        let (traced, span) = startSpan(message)
        return (traced, .handler { result in
            Self.end(span, with: result)
            completion(result)
        })
    }

    /// Starts and ends the span of a message sent with ``KafkaProducer/enqueue(_:)``, whose
    /// outcome goes to ``KafkaProducer/events`` in batches, not through a per-message callback:
    /// the span covers the hand-over to librdkafka and carries no partition or offset. The
    /// context still travels in the headers, so the consumer's span has its parent.
    func handOver(_ message: KafkaProducerMessage) -> KafkaProducerMessage {
        let (traced, span) = startSpan(message)
        span.end()
        return traced
    }

    private func startSpan(_ message: KafkaProducerMessage) -> (KafkaProducerMessage, any Span) {
        let span = tracer.startSpan("send \(message.topic)", context: ServiceContext.current ?? .topLevel, ofKind: .producer)
        span.updateAttributes {
            KafkaMessagingAttributes.common(&$0, operation: "send", topic: message.topic, clientID: clientID, bodySize: message.valueCount)
        }
        var traced = message
        tracer.inject(span.context, into: &traced.headers, using: KafkaHeaderInjector())
        return (traced, span)
    }

    private static func end(_ span: any Span, with result: Result<KafkaDeliveryReport, KafkaError>) {
        switch result {
        case .success(let report):
            span.updateAttributes { KafkaMessagingAttributes.stored(&$0, partition: report.partition, offset: report.offset) }
        case .failure(let error):
            span.recordError(error)
            span.updateAttributes { $0[KafkaMessagingAttributes.errorType] = error.tracingErrorType }
            span.setStatus(SpanStatus(code: .error))
        }
        span.end()
    }
}

extension KafkaError {
    /// A short, low-cardinality name for the `error.type` attribute: the case, or librdkafka's
    /// error name, never free text (which may name hosts or principals).
    var tracingErrorType: String {
        switch self {
        case .invalidConfiguration: "invalid_configuration"
        case .clientCreation: "client_creation"
        case .delivery(_, let name, _): name
        case .bufferFull: "buffer_full"
        case .retriesExhausted(_, let last): last.name
        case .shutDown: "shut_down"
        case .messageTooLargeForBuffer: "message_too_large_for_buffer"
        case .batchTooLargeForBuffer: "batch_too_large_for_buffer"
        case .authorization: "authorization"
        case .fatal(_, let name, _): name
        case .consumer: "consumer"
        }
    }
}
