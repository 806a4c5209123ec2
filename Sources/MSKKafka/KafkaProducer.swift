import CRdKafka
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// A Kafka producer over librdkafka that keeps every message it accepts until it is delivered
/// or reported failed.
///
/// ```swift
/// let producer = try KafkaProducer(configuration: .msk(bootstrapServers: ["b-1.example:9098"], region: "eu-west-1"))
/// let report = try await producer.send(KafkaProducerMessage(topic: "events", key: "user-1", value: "hello"))
/// await producer.shutdown()
/// ```
///
/// Delivery reports, errors and statistics are served by a thread of its own; with IAM,
/// OAUTHBEARER tokens are refreshed in the background (see ``KafkaAuthentication/mskIAM(region:credentials:expiresIn:)``).
/// Call ``shutdown(timeout:)`` (or run it as a ServiceLifecycle `Service`) before dropping it.
public final class KafkaProducer: Service, Sendable {
    /// The configuration it was made with.
    public let configuration: KafkaProducerConfiguration
    /// The library's counters (also exported through swift-metrics).
    public let counters: KafkaClientCounters
    /// Outcomes of messages sent with ``enqueue(_:)``, in the order they are known. Keeps the
    /// newest 100,000 if nobody reads it (the messages themselves are never dropped).
    public let events: AsyncStream<KafkaProducerEvent>
    private let eventContinuation: AsyncStream<KafkaProducerEvent>.Continuation

    /// Decoded statistics documents, when ``KafkaProducerConfiguration/statisticsInterval`` is set.
    public var statistics: AsyncStream<KafkaStatistics> { context.statistics.stream }

    private let created: RdKafkaHandle.Created
    private let handleBits: Int
    private let context: KafkaCallbackContext
    private let delivery: DeliveryHandler
    private let buffer: ProducerBuffer
    private let poller: PollThread
    private let logger: Logger
    private let lifecycle = Mutex(Lifecycle.running)
    /// Calls into the handle in progress (produce and serve). Shutdown waits for them to end
    /// before destroying the handle; a call that starts after shutdown began sees `.shutDown`.
    private let callsInProgress = Atomic<Int>(0)

    private enum Lifecycle { case running, shuttingDown, shutDown }

    private var handle: OpaquePointer { OpaquePointer(bitPattern: handleBits)! }

    /// Creates the producer and connects in the background.
    /// - Throws: ``KafkaError/invalidConfiguration(property:reason:)`` with librdkafka's own
    ///   text, or ``KafkaError/clientCreation(reason:)``.
    public init(configuration: KafkaProducerConfiguration, logger: Logger = Logger(label: "swift-msk-kafka.producer")) throws {
        self.configuration = configuration
        self.logger = logger
        let counters = KafkaClientCounters(clientID: configuration.clientID)
        self.counters = counters
        (events, eventContinuation) = AsyncStream.makeStream(of: KafkaProducerEvent.self, bufferingPolicy: .bufferingNewest(100_000))
        let delivery = configuration.delivery
        buffer = ProducerBuffer(maxMessages: delivery.maxBufferedMessages, maxBytes: delivery.maxBufferedBytes, backpressure: delivery.backpressure)
        let refresher = configuration.authentication.tokenSource.map { OAuthBearerTokenRefresher(source: $0, logger: logger, counters: counters) }
        let deliveryHandler = DeliveryHandler(policy: delivery, buffer: buffer, counters: counters, logger: logger)
        self.delivery = deliveryHandler
        context = KafkaCallbackContext(
            delivery: deliveryHandler,
            refresher: refresher,
            statistics: StatisticsHandler(counters: counters, logger: logger, bufferDepth: { [buffer] in buffer.depth }),
            logger: logger, counters: counters
        )

        created = try RdKafkaHandle.make(RD_KAFKA_PRODUCER, properties: configuration.librdkafkaProperties, context: context, statistics: configuration.statisticsInterval != nil) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf, deliveryReportCallback)
        }
        handleBits = created.handleBits
        poller = PollThread(handleBits: handleBits, name: "msk-kafka-poll")
        let bits = handleBits
        // `unowned`, not `weak`: the handler owns this closure, so it is alive whenever the
        // closure runs — and a weak reference would give the handler a side table, making every
        // retain of it in the delivery-report path a slow one.
        deliveryHandler.setReproduce { [weak self, unowned deliveryHandler] pending in
            // A producer released mid-retry still reports the message rather than drop it.
            guard let self else {
                deliveryHandler.finallyFail(pending, .shutDown)
                return
            }
            self.produce(pending, handleBits: bits)
        }
    }

    deinit {
        shutdownNow()
    }

    /// Messages and bytes in the local buffer (accepted, not yet delivered or failed).
    public var bufferDepth: (messages: Int, bytes: Int) { buffer.depth }

    /// The OAUTHBEARER refresher, when IAM/OAUTHBEARER is configured.
    var tokenRefresher: OAuthBearerTokenRefresher? { context.refresher }

    /// Asks for a new OAUTHBEARER token at once (normally automatic).
    public func refreshToken() { context.refresher?.refreshNow(reason: "requested by the application") }

    /// Sends `message` and returns where it was stored, retrying retriable failures as the
    /// ``KafkaProducerConfiguration/DeliveryPolicy`` says.
    /// - Throws: ``KafkaError`` — `bufferFull` (fail-fast policy), `retriesExhausted`,
    ///   `delivery` (non-retriable), `shutDown`.
    public func send(_ message: KafkaProducerMessage) async throws -> KafkaDeliveryReport {
        let bytes = message.byteCount
        try await buffer.acquire(bytes: bytes)
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<KafkaDeliveryReport, any Error>) in
            let pending = PendingMessage(message: message, attempt: 1, byteCount: bytes) { continuation.resume(with: $0.mapError { $0 }) }
            produce(pending, handleBits: handleBits)
        }
    }

    /// Sends `message` without waiting for its delivery; its outcome arrives on ``events``.
    /// Suspends only while the buffer is full under the ``KafkaProducerConfiguration/Backpressure/suspend`` policy.
    public func enqueue(_ message: KafkaProducerMessage) async throws {
        let events = eventContinuation
        try await enqueue(message) { result in
            switch result {
            case .success(let report): events.yield(.delivered(report))
            case .failure(let error): events.yield(.failed(message, error))
            }
        }
    }

    /// Sends `message` without waiting for its delivery; `completion` is called exactly once
    /// with the outcome (from the producer's thread — keep it short). Suspends only while the
    /// buffer is full under the ``KafkaProducerConfiguration/Backpressure/suspend`` policy.
    public func enqueue(_ message: KafkaProducerMessage, completion: @escaping @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void) async throws {
        let bytes = message.byteCount
        try await buffer.acquire(bytes: bytes)
        produce(PendingMessage(message: message, attempt: 1, byteCount: bytes, completion: completion), handleBits: handleBits)
    }

    /// Waits until the local buffer is empty (every accepted message delivered or failed).
    /// - Returns: `false` if `timeout` passed first.
    @discardableResult
    public func flush(timeout: Duration = .seconds(30)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        // A read of one atomic word every millisecond: cheap, and a flush ends at most 1 ms
        // after the last delivery report.
        while buffer.depth.messages > 0 {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return true
    }

    /// Stops accepting messages, flushes for up to `timeout`, then fails (and dead-letters)
    /// whatever is left and releases librdkafka. Safe to call more than once.
    public func shutdown(timeout: Duration = .seconds(30)) async {
        let proceed = lifecycle.withLock { state -> Bool in
            guard state == .running else { return false }
            state = .shuttingDown
            return true
        }
        guard proceed else { return }
        await flush(timeout: timeout)
        shutdownNow()
    }

    /// ServiceLifecycle: runs until a graceful shutdown, then shuts down.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    private func shutdownNow() {
        let proceed = lifecycle.withLock { state -> Bool in
            guard state != .shutDown else { return false }
            state = .shutDown
            return true
        }
        guard proceed else { return }
        // A produce that checked the state just before it changed may still be inside
        // librdkafka: wait for it (microseconds) so that nothing touches a destroyed handle.
        while callsInProgress.load(ordering: .sequentiallyConsistent) > 0 { usleep(50) }
        buffer.close()
        delivery.setReproduce(nil)
        context.refresher?.detach()
        // Whatever librdkafka still holds comes back as purge delivery reports, which the
        // delivery handler turns into final failures (reported and dead-lettered).
        _ = rd_kafka_purge(handle, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
        poller.stop()
        // Serve those reports before destroying the handle: rd_kafka_destroy would drop them.
        let deadline = ContinuousClock.now + .seconds(10)
        repeat {
            rd_kafka_poll(handle, 10)
        } while rd_kafka_outq_len(handle) > 0 && ContinuousClock.now < deadline
        RdKafkaHandle.destroy(created)
        context.statistics.finish()
        eventContinuation.finish()
    }

    /// Hands one attempt to librdkafka.
    private func produce(_ pending: PendingMessage, handleBits: Int) {
        callsInProgress.add(1, ordering: .sequentiallyConsistent)
        defer { callsInProgress.subtract(1, ordering: .sequentiallyConsistent) }
        let isRunning = lifecycle.withLock { $0 != .shutDown }
        guard isRunning, let handle = OpaquePointer(bitPattern: handleBits) else {
            delivery.finallyFail(pending, .shutDown)
            return
        }
        let opaque = Unmanaged.passRetained(pending).toOpaque()
        let error = RdKafkaProduce.produce(handle, pending.message, opaque: opaque)
        if error != RD_KAFKA_RESP_ERR_NO_ERROR {
            // librdkafka did not take it: no delivery report will come, so decide here.
            Unmanaged<PendingMessage>.fromOpaque(opaque).release()
            delivery.failed(pending, KafkaDeliveryFailure(error))
        }
        poller.serveIfIdle()
    }
}
