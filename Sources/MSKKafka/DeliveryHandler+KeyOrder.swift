import CRdKafka
import Synchronization

/// The ``DeliveryHandler``'s part in per-key ordering (``KafkaProducerConfiguration/Ordering/perKey``):
/// carrying out what ``KeyOrderLanes`` decides — releases scheduled, failed messages and held
/// ones handed to librdkafka, order breaks reported.
extension DeliveryHandler {
    /// The scheduler of held keys' releases, made at the first one; nil once closed.
    func keyReleaseScheduler() -> RetryScheduler<KeyOrderLanes.Key>? {
        // Holds the handler strongly, as the retries' scheduler does; ``close()`` ends the cycle.
        keyReleases.withLock { $0.scheduler { RetryScheduler { key in self.releaseFailed(of: key) } } }
    }

    /// A first attempt delivered while some key is held: its key, read from librdkafka's report.
    func reportedDelivered(_ message: UnsafePointer<rd_kafka_message_t>, explicitPartition: Bool, attempt: Int) {
        guard let keyOrder, let bytes = RdKafkaMessageCopy.key(message) else { return }
        let key = KeyOrderLanes.Key(topic: events.topicName(of: message.pointee.rkt), partition: explicitPartition ? message.pointee.partition : nil, bytes: bytes)
        delivered(key, attempt: attempt, in: keyOrder)
    }

    /// A message of `key` was stored while some key is held (serving thread).
    func delivered(_ key: KeyOrderLanes.Key, attempt: Int, in keyOrder: KeyOrderLanes) {
        switch keyOrder.delivered(key, attempt: attempt) {
        case .next(let next):
            carryOut(next, for: key)
        case .overtaken:
            events.orderBroken(KafkaOrderBreak(topic: key.topic, partition: key.partition, key: key.bytes, reason: .overtaken), inDeliveryReport: true)
        }
    }

    /// Does what ``KeyOrderLanes`` decided for `key`.
    func carryOut(_ next: KeyOrderLanes.Next, for key: KeyOrderLanes.Key) {
        switch next {
        case .nothing:
            break
        case .schedule(let delay):
            // Closed: ``close()`` fails the key's messages.
            _ = keyReleaseScheduler()?.schedule(key, after: delay)
        case .releaseHeld:
            releaseHeld(of: key)
        }
    }

    /// A held key's backoff has passed: its failed messages go to librdkafka again, in order.
    func releaseFailed(of key: KeyOrderLanes.Key) {
        guard let keyOrder else { return }
        let (run, then) = keyOrder.takeRun(key)
        for pending in run { submitter.submit(.pending(pending), pending.message, failingTo: self) }
        carryOut(then, for: key)
    }

    /// Every failed message of `key` is settled: the messages held behind them go to
    /// librdkafka, in order, until none are left and the key is free.
    func releaseHeld(of key: KeyOrderLanes.Key) {
        guard let keyOrder else { return }
        while true {
            switch keyOrder.takeHeld(key) {
            case .produce(let batch):
                for pending in batch { submitter.submit(.pending(pending), pending.message, failingTo: self) }
            case .finished(let next):
                carryOut(next, for: key)
                return
            }
        }
    }
}
