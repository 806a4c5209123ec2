import CRdKafka
import Logging
import Synchronization

/// Decides what happens to each delivery report: success, another attempt (retriable errors,
/// up to `maxRetries`, with exponential backoff and jitter), or final failure — reported to the
/// caller and, when configured, dead-lettered. Nothing is dropped silently.
final class DeliveryHandler: Sendable {
    private let policy: KafkaProducerConfiguration.DeliveryPolicy
    private let buffer: ProducerBuffer
    /// Where outcomes of ``DeliveryTarget/events`` messages go.
    let events: ProducerEventSink
    private let counters: KafkaClientCounters
    private let deadLetters: DeadLetterFile?
    private let logger: Logger
    /// The client's fatal error, once it has one: what every failure reports from then on.
    let fatal: KafkaFatalState
    /// Produces the retries: straight to librdkafka, not back through the producer.
    let submitter: ProducerSubmitter
    /// Attempts waiting for their backoff.
    private let retries = Mutex(Retries<PendingMessage>.notYetNeeded)
    /// Keys held back under ``KafkaProducerConfiguration/Ordering/perKey`` (nil otherwise):
    /// their retries go through here, not through `retries`.
    let keyOrder: KeyOrderLanes?
    /// ``keyOrder``'s held count, read per delivery report without retaining it.
    private let keyOrderProbe: KeyOrderProbe
    /// Held keys waiting for their release.
    let keyReleases = Mutex(Retries<KeyOrderLanes.Key>.notYetNeeded)

    enum Retries<Value: Sendable> {
        /// No retry yet: the scheduler (and its task) is made at the first one.
        case notYetNeeded
        case scheduling(RetryScheduler<Value>)
        /// Shut down: every retriable failure is final.
        case closed

        /// The scheduler, made by `make` at the first call; nil once closed.
        mutating func scheduler(orMake make: () -> RetryScheduler<Value>) -> RetryScheduler<Value>? {
            switch self {
            case .scheduling(let scheduler):
                return scheduler
            case .closed:
                return nil
            case .notYetNeeded:
                let scheduler = make()
                self = .scheduling(scheduler)
                return scheduler
            }
        }

        /// Closes; the scheduler, if one was made, to close in turn.
        mutating func close() -> RetryScheduler<Value>? {
            defer { self = .closed }
            guard case .scheduling(let scheduler) = self else { return nil }
            return scheduler
        }
    }

    init(policy: KafkaProducerConfiguration.DeliveryPolicy, buffer: ProducerBuffer, events: ProducerEventSink, counters: KafkaClientCounters, logger: Logger,
         fatal: KafkaFatalState, submitter: ProducerSubmitter, keyOrder: KeyOrderLanes? = nil) {
        self.keyOrder = keyOrder
        keyOrderProbe = KeyOrderProbe(keyOrder)
        self.policy = policy
        self.fatal = fatal
        self.buffer = buffer
        self.events = events
        self.counters = counters
        self.deadLetters = policy.deadLetterPath.map { DeadLetterFile(path: $0) }
        self.logger = logger
        self.submitter = submitter
    }

    /// The scheduler of retries, made at the first one; nil once closed.
    private func retryScheduler() -> RetryScheduler<PendingMessage>? {
        retries.withLock { retries in
            retries.scheduler {
                // Holds the handler strongly (a weak reference would give it a side table and
                // make every retain in the delivery-report path slow); the cycle ends in
                // ``close()``, which drops the scheduler.
                RetryScheduler { pending in self.submitter.submit(.pending(pending), pending.message, failingTo: self) }
            }
        }
    }

    /// Stops retrying (shutdown): every attempt still waiting for its backoff fails at once
    /// with ``KafkaError/shutDown``, and so does every retriable failure from now on — held
    /// keys' messages too, failed ones first.
    func close() {
        let waiting = retries.withLock { $0.close() }?.close() ?? []
        let held = keyOrder?.close() ?? []
        _ = keyReleases.withLock { $0.close() }?.close()
        for pending in waiting + held { finallyFail(pending, .shutDown) }
    }

    /// A first attempt on the event path: counted with the other reports of this serve, or its
    /// first failure decided.
    private func reportFirstEventAttempt(_ attempt: DeliveryTag.FirstEventAttempt, _ message: UnsafePointer<rd_kafka_message_t>, _ error: rd_kafka_resp_err_t) {
        if error == RD_KAFKA_RESP_ERR_NO_ERROR {
            if keyOrderProbe.isHolding { reportedDelivered(message, explicitPartition: attempt.explicitPartition, attempt: 1) }
            events.delivered(message, byteCount: attempt.byteCount)
            return
        }
        // The first failure of a message sent without a copy of its own: make one from the
        // message librdkafka reports, which goes away when the report has been served.
        let copy = KafkaProducerMessage(reported: message, explicitPartition: attempt.explicitPartition)
        failed(PendingMessage(message: copy, attempt: 1, byteCount: attempt.byteCount, target: .events), KafkaDeliveryFailure(error), inDeliveryReport: true)
    }

    /// A delivery report from librdkafka (on the thread serving its queue).
    func report(_ message: UnsafePointer<rd_kafka_message_t>) {
        guard let opaque = message.pointee._private else { return }
        let error = message.pointee.err
        switch DeliveryTag(consuming: opaque) {
        case .firstEventAttempt(let attempt):
            reportFirstEventAttempt(attempt, message, error)
        case .firstEventAttemptHoldingValue(let held):
            // The report's payload is the held value: it must outlive the copy a failure makes
            // of it (ARC could otherwise release it right after `held.attempt` is read).
            withExtendedLifetime(held) { reportFirstEventAttempt(held.attempt, message, error) }
        case .firstCompletionAttempt(let attempt):
            if error == RD_KAFKA_RESP_ERR_NO_ERROR {
                if keyOrderProbe.isHolding { reportedDelivered(message, explicitPartition: attempt.explicitPartition, attempt: 1) }
                let report = KafkaDeliveryReport(
                    topic: events.topicName(of: message.pointee.rkt), partition: message.pointee.partition, offset: message.pointee.offset,
                    timestampMs: RdKafkaMessageCopy.timestampMs(message), attempts: 1
                )
                attempt.completion(.success(report))
                // Counted and its room given back with the rest of this serve, after the call.
                events.settle(byteCount: attempt.byteCount)
                return
            }
            // The attempt may hold the value the report points to: alive until the copy is made.
            let copy = withExtendedLifetime(attempt) { KafkaProducerMessage(reported: message, explicitPartition: attempt.explicitPartition, timestamp: attempt.timestamp) }
            failed(PendingMessage(message: copy, attempt: 1, byteCount: attempt.byteCount, target: .completion(attempt.completion)), KafkaDeliveryFailure(error), inDeliveryReport: true)
        case .pending(let pending):
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
                failed(pending, KafkaDeliveryFailure(error), inDeliveryReport: true)
                return
            }
            if keyOrderProbe.isHolding, let keyOrder, let key = KeyOrderLanes.Key(pending.message) {
                delivered(key, attempt: pending.attempt, in: keyOrder)
            }
            let report = KafkaDeliveryReport(
                topic: pending.message.topic, partition: message.pointee.partition, offset: message.pointee.offset,
                timestampMs: RdKafkaMessageCopy.timestampMs(message), attempts: pending.attempt
            )
            switch pending.target {
            case .events:
                events.delivered(report, byteCount: pending.byteCount)
            case .completion(let completion):
                completion(.success(report))
                // Counted and its room given back with the rest of this serve, after the call.
                events.settle(byteCount: pending.byteCount)
            }
        }
    }

    /// An attempt failed: in a delivery report (`inDeliveryReport`, on the thread serving
    /// librdkafka's queue), or when librdkafka refused to enqueue it.
    func failed(_ pending: PendingMessage, _ failure: KafkaDeliveryFailure, inDeliveryReport: Bool) {
        // After a fatal error nothing can succeed: the fatal error is the reason, not "purged".
        if let fatal = fatal.error {
            finallyFail(pending, fatal, inDeliveryReport: inDeliveryReport)
            return
        }
        if let denied = KafkaAuthorizationFailure(code: failure.code, topic: pending.message.topic, idempotentProducer: fatal.idempotentProducer) {
            finallyFail(pending, .authorization(denied), inDeliveryReport: inDeliveryReport)
            return
        }
        guard failure.isRetriable else {
            finallyFail(pending, .delivery(code: failure.code, name: failure.name, reason: failure.reason), inDeliveryReport: inDeliveryReport)
            return
        }
        // Under per-key order librdkafka had the whole budget (``KafkaProducerConfiguration/deliveryTimeout``):
        // a message it timed out has had its retries.
        guard pending.attempt <= policy.maxRetries, keyOrder == nil || !failure.isTimeout else {
            finallyFail(pending, .retriesExhausted(attempts: pending.attempt, last: failure), inDeliveryReport: inDeliveryReport)
            return
        }
        if let keyOrder, let key = KeyOrderLanes.Key(pending.message) {
            // Per-key order: the key is held, and its failed messages go again together, in order.
            let delay = backoff(afterAttempt: pending.attempt)
            guard let next = keyOrder.failed(key, retry: pending.nextAttempt(), backoff: delay, reported: inDeliveryReport) else {
                finallyFail(pending, .shutDown, inDeliveryReport: inDeliveryReport)
                return
            }
            counters.retries.increment()
            logRetry(pending, failure, delay: delay)
            carryOut(next, for: key)
            return
        }
        guard let scheduler = retryScheduler() else {
            finallyFail(pending, .shutDown, inDeliveryReport: inDeliveryReport)
            return
        }
        counters.retries.increment()
        let delay = backoff(afterAttempt: pending.attempt)
        logRetry(pending, failure, delay: delay)
        let next = pending.nextAttempt()
        guard scheduler.schedule(next, after: delay) else {
            finallyFail(pending, .shutDown, inDeliveryReport: inDeliveryReport)
            return
        }
    }

    /// Reports a final failure to the caller (after dead-lettering it, when configured) and
    /// gives back its room.
    func finallyFail(_ pending: PendingMessage, _ error: KafkaError, inDeliveryReport: Bool = false) {
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
        switch pending.target {
        case .events:
            events.failed(pending.message, error, byteCount: pending.byteCount, inDeliveryReport: inDeliveryReport)
        case .completion(let completion):
            completion(.failure(error))
            buffer.release(messages: 1, bytes: pending.byteCount)
        }
        if let keyOrder, !error.isShutDown, let key = KeyOrderLanes.Key(pending.message), let next = keyOrder.finallyFailed(key, attempt: pending.attempt) {
            // After the failure itself, so that the event follows it on the stream.
            events.orderBroken(KafkaOrderBreak(topic: key.topic, partition: key.partition, key: key.bytes, reason: .failed(error)), inDeliveryReport: inDeliveryReport)
            carryOut(next, for: key)
        }
    }

    private func logRetry(_ pending: PendingMessage, _ failure: KafkaDeliveryFailure, delay: Duration) {
        logger.info("retrying a message after a retriable delivery failure", metadata: [
            "topic": "\(pending.message.topic)", "attempt": "\(pending.attempt)", "error": "\(failure)", "delayMs": "\(delay.milliseconds)",
        ])
    }

    private func backoff(afterAttempt attempt: Int) -> Duration {
        let ceiling = Double(policy.backoffCeiling(afterAttempt: attempt).milliseconds)
        return .milliseconds(Int64(ceiling / 2 + Double.random(in: 0...1) * ceiling / 2))
    }
}
