import CRdKafka
import Logging
import MSKKafkaTesting
import Synchronization
import Testing
@testable import MSKKafka

/// The delivery handler on its own, over a real client: a retry goes straight to the
/// submitter it was made with (no producer in between), and once closed it retries nothing.
@Suite(.timeLimit(.minutes(1)))
struct DeliveryHandlerTests {
    final class Outcomes: Sendable {
        let results = Mutex<[Result<KafkaDeliveryReport, KafkaError>]>([])
    }

    @Test func aRetryIsProducedByTheSubmitterAndClosingEndsRetrying() async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("retried", partitions: 1)
        let (client, context) = try TestClient.producer(bootstrapServers: cluster.bootstrapServers)
        let counters = KafkaClientCounters(clientID: "delivery-handler-test")
        var logger = Logger(label: "test.delivery")
        logger.logLevel = .critical
        let buffer = ProducerBuffer(maxMessages: 10, maxBytes: 1000, backpressure: .failFast)
        let topics = ProducerTopics(client: client)
        let events = ProducerEventSink(buffer: buffer, counters: counters, topics: topics, maxUnreadBytes: 1 << 20)
        let poller = PollThread(client: client, name: "test-poll") { events.flush() }
        let submitter = ProducerSubmitter(client: client, topics: topics, poller: poller)
        let handler = DeliveryHandler(policy: .init(retryBackoff: .milliseconds(10), maxRetryBackoff: .milliseconds(20)), buffer: buffer, events: events,
                                      counters: counters, logger: logger, fatal: KafkaFatalState(idempotentProducer: false), submitter: submitter)
        context.deliverReports(to: handler)
        defer {
            _ = submitter.close()
            poller.stop()
            topics.destroyAll()
            client.destroy()
            withExtendedLifetime(cluster) {}
        }

        let outcomes = Outcomes()
        func attempt(_ value: String) -> PendingMessage {
            #expect(buffer.tryAcquire(bytes: value.utf8.count))
            return PendingMessage(message: KafkaProducerMessage(topic: "retried", value: value), attempt: 1, byteCount: value.utf8.count,
                                  target: .completion(.handler { result in outcomes.results.withLock { $0.append(result) } }))
        }
        // A first attempt that failed retriably: the handler schedules the second, which the
        // submitter hands to librdkafka, and its delivery report completes the message.
        handler.failed(attempt("again"), KafkaDeliveryFailure(RD_KAFKA_RESP_ERR__TRANSPORT), inDeliveryReport: false)
        let deadline = ContinuousClock.now + .seconds(20)
        while outcomes.results.withLock({ $0.isEmpty }), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        let delivered = try #require(outcomes.results.withLock { $0.first })
        #expect(try delivered.get().attempts == 2)
        #expect(counters.retries.value == 1)

        // Closed (shutdown): a retriable failure is final at once.
        handler.close()
        handler.failed(attempt("late"), KafkaDeliveryFailure(RD_KAFKA_RESP_ERR__TRANSPORT), inDeliveryReport: false)
        let results = outcomes.results.withLock { $0 }
        #expect(results.count == 2)
        guard case .failure(.shutDown) = results.last else {
            Issue.record("expected shutDown, got \(String(describing: results.last))")
            return
        }
        #expect(counters.retries.value == 1)
    }
}
