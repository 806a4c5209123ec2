import Foundation
import Hummingbird
import Logging
import MSKKafka
import Prometheus

/// An order as the service accepts it.
struct Order: Codable, Sendable {
    var id: String
    var customer: String
    var amount: Double
}

/// Where an accepted order was stored: enough to read it back.
struct OrderAccepted: ResponseCodable {
    var id: String
    var topic: String
    var partition: Int32
    var offset: Int64
}

/// `POST /orders`, `GET /health`, `GET /metrics`.
struct OrderRoutes: Sendable {
    let producer: KafkaProducer
    let topic: String
    let registry: PrometheusCollectorRegistry
    let logger: Logger

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        // Tracing first: the request's span (with the caller's `traceparent`, if any) is the
        // parent of the producer's span, whose context then travels in the message's headers.
        router.add(middleware: TracingMiddleware())
        router.add(middleware: MetricsMiddleware())
        router.get("health") { _, _ -> HTTPResponse.Status in .ok }
        router.get("metrics") { [registry] _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        router.post("orders") { request, context in try await accept(request, context: context) }
        return router
    }

    /// 202 once the order is stored on the cluster (the producer's `send` returns after the
    /// broker acknowledged it; outages and credential rotations are retried inside). 400 for a
    /// body that is not an order; 503 when the producer gave up or is shutting down.
    private func accept(_ request: Request, context: BasicRequestContext) async throws -> EditedResponse<OrderAccepted> {
        let order = try await request.decode(as: Order.self, context: context)
        let value = try JSONEncoder().encode(order)
        do {
            let report = try await producer.send(KafkaProducerMessage(topic: topic, key: Data(order.id.utf8), value: value))
            return EditedResponse(status: .accepted, response: OrderAccepted(id: order.id, topic: report.topic, partition: report.partition, offset: report.offset))
        } catch let error as KafkaError {
            logger.error("order not stored", metadata: ["id": "\(order.id)", "error": "\(error)"])
            throw HTTPError(.serviceUnavailable, message: "order not stored")
        }
    }
}
