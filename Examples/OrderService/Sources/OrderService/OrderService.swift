import Foundation
import Hummingbird
import Logging
import Metrics
import MSKKafka
import Prometheus
import Tracing

/// The service: reads its settings from the environment, bootstraps metrics and tracing, makes
/// the producer and runs it with the HTTP server under swift-service-lifecycle. On SIGTERM or
/// SIGINT the server stops first, then the producer flushes what it accepted.
@main
struct OrderService {
    static func main() async throws {
        let settings = try ServiceSettings(environment: ProcessInfo.processInfo.environment)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = settings.logLevel
            return handler
        }
        let logger = Logger(label: "order-service")

        // Before the producer is made: the library's counters and librdkafka's gauges register
        // with whatever metrics backend is bootstrapped when they are first touched, and the
        // producer takes the tracer bootstrapped when it is made.
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let tracer = W3CTracer(logger: Logger(label: "order-service.tracing"))
        InstrumentationSystem.bootstrap(tracer)

        let producer = try KafkaProducer(configuration: settings.producerConfiguration(), logger: Logger(label: "order-service.kafka"))
        let router = OrderRoutes(producer: producer, topic: settings.topic, registry: registry, logger: logger).router()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "order-service"),
            // Hummingbird shuts its services down after its server (the reverse of the order it
            // starts them): no request is accepted once the producer flushes.
            services: [producer],
            logger: logger
        )
        logger.info("order service starting", metadata: ["port": "\(settings.port)", "topic": "\(settings.topic)"])
        try await app.runService()
        logger.info("order service stopped", metadata: ["buffered": "\(producer.bufferDepth.messages)"])
    }
}
