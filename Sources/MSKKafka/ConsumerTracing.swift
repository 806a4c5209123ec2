import Tracing

/// The consumer's side of tracing: reads the context the producer wrote into a message's
/// headers, records a consumer span as its child and gives the message that span's context.
/// Exists only when a tracer is configured (``KafkaTracing``); a class, so that the reader's
/// check per message is of one pointer.
final class ConsumerTracing: Sendable {
    let tracer: any Tracer
    let clientID: String
    let groupID: String

    init(tracer: any Tracer, clientID: String, groupID: String) {
        self.tracer = tracer
        self.clientID = clientID
        self.groupID = groupID
    }

    /// On the reader thread, as a message is taken from librdkafka. The span (`receive <topic>`)
    /// ends at once: what the application then does with the message is its own span, a child
    /// of ``KafkaConsumerMessage/serviceContext``. A message without trace headers gets a span
    /// that starts a trace of its own.
    func received(_ message: inout KafkaConsumerMessage) {
        var producerContext = ServiceContext.topLevel
        tracer.extract(message.headers, into: &producerContext, using: KafkaHeaderExtractor())
        let span = tracer.startSpan("receive \(message.topic)", context: producerContext, ofKind: .consumer)
        span.updateAttributes {
            KafkaMessagingAttributes.common(&$0, operation: "receive", topic: message.topic, clientID: clientID, bodySize: message.value.count)
            KafkaMessagingAttributes.stored(&$0, partition: message.partition, offset: message.offset)
            $0[KafkaMessagingAttributes.consumerGroup] = groupID
        }
        span.end()
        message.serviceContext = span.context
    }
}
