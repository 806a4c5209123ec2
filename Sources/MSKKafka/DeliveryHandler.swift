import CRdKafka
import Logging
import Synchronization

/// Decides what happens to each delivery report: success, another attempt (retriable errors,
/// up to `maxRetries`, with exponential backoff and jitter), or final failure — reported to the
/// caller and, when configured, dead-lettered. Nothing is dropped silently.
final class DeliveryHandler: Sendable {
    private let policy: KafkaProducerConfiguration.DeliveryPolicy
    private let buffer: ProducerBuffer
    private let counters: KafkaClientCounters
    private let deadLetters: DeadLetterFile?
    private let logger: Logger
    /// Produces an attempt again; nil once the producer is gone.
    private let reproduce = Mutex<(@Sendable (PendingMessage) -> Void)?>(nil)
    /// Attempts waiting for their backoff.
    private let retries = Mutex<RetryScheduler?>(nil)

    init(policy: KafkaProducerConfiguration.DeliveryPolicy, buffer: ProducerBuffer, counters: KafkaClientCounters, logger: Logger) {
        self.policy = policy
        self.buffer = buffer
        self.counters = counters
        self.deadLetters = policy.deadLetterPath.map { DeadLetterFile(path: $0) }
        self.logger = logger
    }

    /// Installs how attempts are produced again — or, with `nil` (shutdown), fails every attempt
    /// still waiting for its backoff at once with ``KafkaError/shutDown``.
    func setReproduce(_ reproduce: (@Sendable (PendingMessage) -> Void)?) {
        self.reproduce.withLock { $0 = reproduce }
        if reproduce == nil {
            let waiting = retries.withLock { scheduler -> [PendingMessage] in
                defer { scheduler = nil }
                return scheduler?.close() ?? []
            }
            for pending in waiting { finallyFail(pending, .shutDown) }
        } else {
            // Holds the handler strongly (a weak reference would give it a side table and make
            // every retain in the delivery-report path slow); the cycle ends when shutdown
            // calls `setReproduce(nil)`, which drops the scheduler.
            let scheduler = RetryScheduler { pending in
                // Re-read: the producer may have shut down while this attempt waited.
                if let reproduce = self.reproduce.withLock({ $0 }) {
                    reproduce(pending)
                } else {
                    self.finallyFail(pending, .shutDown)
                }
            }
            retries.withLock { $0 = scheduler }
        }
    }

    /// A delivery report from librdkafka.
    func handle(_ pending: PendingMessage, error: rd_kafka_resp_err_t, partition: Int32, offset: Int64, timestampMs: Int64?) {
        guard error != RD_KAFKA_RESP_ERR_NO_ERROR else {
            succeed(pending, KafkaDeliveryReport(topic: pending.message.topic, partition: partition, offset: offset, timestampMs: timestampMs, attempts: pending.attempt))
            return
        }
        failed(pending, KafkaDeliveryFailure(error))
    }

    /// An attempt failed (in a delivery report, or when librdkafka refused to enqueue it).
    func failed(_ pending: PendingMessage, _ failure: KafkaDeliveryFailure) {
        guard failure.isRetriable else {
            finallyFail(pending, .delivery(code: failure.code, name: failure.name, reason: failure.reason))
            return
        }
        guard pending.attempt <= policy.maxRetries, reproduce.withLock({ $0 }) != nil else {
            let error: KafkaError = pending.attempt > policy.maxRetries ? .retriesExhausted(attempts: pending.attempt, last: failure) : .shutDown
            finallyFail(pending, error)
            return
        }
        counters.retries.increment()
        let delay = backoff(afterAttempt: pending.attempt)
        logger.info("retrying a message after a retriable delivery failure", metadata: [
            "topic": "\(pending.message.topic)", "attempt": "\(pending.attempt)", "error": "\(failure)", "delayMs": "\(delay.milliseconds)",
        ])
        let next = pending.nextAttempt()
        guard let scheduler = retries.withLock({ $0 }), scheduler.schedule(next, after: delay) else {
            finallyFail(pending, .shutDown)
            return
        }
    }

    func succeed(_ pending: PendingMessage, _ report: KafkaDeliveryReport) {
        counters.delivered.increment()
        buffer.release(bytes: pending.byteCount)
        pending.completion(.success(report))
    }

    func finallyFail(_ pending: PendingMessage, _ error: KafkaError) {
        counters.failed.increment()
        if let deadLetters {
            do {
                try deadLetters.append(pending.message, attempts: pending.attempt, error: "\(error)")
                counters.deadLettered.increment()
            } catch {
                logger.error("could not write to the dead-letter file", metadata: ["path": "\(deadLetters.path)", "error": "\(error)"])
            }
        }
        logger.warning("message finally failed", metadata: ["topic": "\(pending.message.topic)", "attempts": "\(pending.attempt)", "error": "\(error)"])
        buffer.release(bytes: pending.byteCount)
        pending.completion(.failure(error))
    }

    private func backoff(afterAttempt attempt: Int) -> Duration {
        let base = Double(policy.retryBackoff.milliseconds)
        let cap = Double(policy.maxRetryBackoff.milliseconds)
        let ceiling = min(cap, base * Double(1 << min(attempt - 1, 20)))
        return .milliseconds(Int64(ceiling / 2 + Double.random(in: 0...1) * ceiling / 2))
    }
}
