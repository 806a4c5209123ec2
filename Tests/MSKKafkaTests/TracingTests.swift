import Foundation
import InMemoryTracing
import Testing
import Tracing
@testable import MSKKafka
import MSKKafkaTesting

/// Trace context across a real broker (librdkafka's mock cluster over TCP): the producer's span
/// goes into the message's headers, the consumer's span on the other side is its child.
@Suite(.timeLimit(.minutes(2)))
struct TracingTests {
    @Test func aSpanAroundSendIsTheParentOfTheConsumersSpan() async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("traced", partitions: 3)
        let tracer = InMemoryTracer()
        var configuration = KafkaProducerTests.configuration(cluster)
        configuration.tracing = .tracer(tracer)
        let producer = try KafkaProducer(configuration: configuration, logger: KafkaProducerTests.quiet)
        let (report, checkout) = try await tracer.withSpan("checkout") { span in
            (try await producer.send(KafkaProducerMessage(topic: "traced", key: "order-1", value: "{}")), try #require(span.context.inMemorySpanContext))
        }
        await producer.shutdown()

        let message = try await Self.readOne(cluster, at: report, tracing: .tracer(tracer))
        let send = try #require(tracer.finishedSpans.first { $0.operationName == "send traced" })
        let receive = try #require(tracer.finishedSpans.first { $0.operationName == "receive traced" })
        #expect(send.kind == .producer && receive.kind == .consumer)
        #expect(send.traceID == checkout.traceID && send.parentSpanID == checkout.spanID)
        #expect(receive.traceID == checkout.traceID && receive.parentSpanID == send.spanID)
        #expect(message.serviceContext.inMemorySpanContext?.spanID == receive.spanID)
        #expect(message.headers.contains { $0.name == InMemoryTracer.traceIDKey })

        #expect(send.attribute("messaging.system") == .string("kafka"))
        #expect(send.attribute("messaging.destination.name") == .string("traced"))
        #expect(send.attribute("messaging.destination.partition.id") == .string(String(report.partition)))
        #expect(send.attribute("messaging.kafka.offset") == .int64(report.offset))
        #expect(receive.attribute("messaging.consumer.group.name") == .string("traced-reader"))
        #expect(receive.attribute("messaging.kafka.offset") == .int64(report.offset))
        #expect(send.status == nil && send.errors.isEmpty)
    }

    @Test func aFailedSendEndsItsSpanWithTheError() async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("traced-small")
        let tracer = InMemoryTracer()
        // librdkafka refuses a message over message.max.bytes at once: not retriable.
        var configuration = KafkaProducerTests.configuration(cluster, extra: ["message.max.bytes": "1000"])
        configuration.tracing = .tracer(tracer)
        let producer = try KafkaProducer(configuration: configuration, logger: KafkaProducerTests.quiet)
        await #expect(throws: KafkaError.self) {
            try await producer.send(KafkaProducerMessage(topic: "traced-small", value: [UInt8](repeating: 1, count: 5_000)))
        }
        await producer.shutdown()
        let send = try #require(tracer.finishedSpans.first { $0.operationName == "send traced-small" })
        #expect(send.status?.code == .error)
        #expect(send.errors.count == 1)
        #expect(send.attribute("error.type") == .string("MSG_SIZE_TOO_LARGE"))
        #expect(send.attribute("messaging.kafka.offset") == nil)
    }

    /// `enqueue(_:)` reports outcomes in batches, so its span covers the hand-over only — but
    /// the context still reaches the consumer. And `.bootstrapped` takes the tracer bound when
    /// the client is made.
    @Test func enqueuedMessagesCarryTheContextAndTheBootstrappedTracerIsTakenAtCreation() async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("traced-events")
        let tracer = InMemoryTracer()
        let producer = try withTracer(tracer) { try KafkaProducer(configuration: KafkaProducerTests.configuration(cluster), logger: KafkaProducerTests.quiet) }
        let parent = try await tracer.withSpan("batch") { span in
            try await producer.enqueue(KafkaProducerMessage(topic: "traced-events", partition: 0, value: "e"))
            return try #require(span.context.inMemorySpanContext)
        }
        #expect(await producer.flush(timeout: .seconds(10)))
        await producer.shutdown()
        let send = try #require(tracer.finishedSpans.first { $0.operationName == "send traced-events" })
        #expect(send.parentSpanID == parent.spanID && send.attribute("messaging.kafka.offset") == nil)

        let message = try await Self.readOne(cluster, at: KafkaDeliveryReport(topic: "traced-events", partition: 0, offset: 0, attempts: 1), tracing: .tracer(tracer))
        let receive = try #require(tracer.finishedSpans.first { $0.operationName == "receive traced-events" })
        #expect(receive.parentSpanID == send.spanID && message.serviceContext.inMemorySpanContext?.spanID == receive.spanID)
    }

    /// Off (nothing bootstrapped, or `.disabled` whatever is bound): no header is added, no span
    /// is started, and a message read has no context.
    @Test func offAddsNoHeadersAndStartsNoSpans() async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("untraced")
        let tracer = InMemoryTracer()
        let producers = try withTracer(tracer) {
            var disabled = KafkaProducerTests.configuration(cluster)
            disabled.tracing = .disabled
            return try KafkaProducer(configuration: disabled, logger: KafkaProducerTests.quiet)
        }
        let plain = try KafkaProducer(configuration: KafkaProducerTests.configuration(cluster), logger: KafkaProducerTests.quiet)
        #expect(producers.tracing == nil && plain.tracing == nil)
        let report = try await tracer.withSpan("outer") { _ in
            try await producers.send(KafkaProducerMessage(topic: "untraced", partition: 0, value: "a", headers: [("n", "1")]))
        }
        _ = try await plain.send(KafkaProducerMessage(topic: "untraced", partition: 0, value: "b"))
        await producers.shutdown()
        await plain.shutdown()
        let message = try await Self.readOne(cluster, at: report, tracing: .disabled)
        #expect(message.headers.map(\.name) == ["n"])
        #expect(message.serviceContext.inMemorySpanContext == nil)
        #expect(tracer.finishedSpans.map(\.operationName) == ["outer"])
    }

    /// Reads the message `report` names, with a consumer traced as `tracing` says.
    static func readOne(_ cluster: MockKafkaCluster, at report: KafkaDeliveryReport, tracing: KafkaTracing) async throws -> KafkaConsumerMessage {
        var configuration = KafkaConsumerConfiguration(connection: cluster.connection, groupID: "traced-reader")
        configuration.tracing = tracing
        let consumer = try KafkaConsumer(configuration: configuration, logger: KafkaProducerTests.quiet)
        defer { consumer.close() }
        try consumer.assign([(topic: report.topic, partition: report.partition, offset: report.offset)])
        var iterator = consumer.messages.makeAsyncIterator()
        return try #require(await iterator.next())
    }
}

extension FinishedInMemorySpan {
    /// An attribute as the tracer would export it.
    func attribute(_ name: String) -> SpanAttribute? { attributes[name]?.toSpanAttribute() }
}
