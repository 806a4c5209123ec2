extension KafkaProducerConfiguration {
    /// What ``KafkaProducer/send(_:)`` does when the local buffer is full.
    public enum Backpressure: Sendable, Equatable {
        /// Wait until there is room.
        case suspend
        /// Throw ``KafkaError/bufferFull(messages:bytes:)`` at once.
        case failFast
    }

    /// Bounds of the local buffer and the max-retries policy.
    public struct DeliveryPolicy: Sendable {
        /// Messages accepted but not yet finally delivered or failed, at most (values above
        /// 16,777,215 count as that).
        public var maxBufferedMessages: Int
        /// Their value+key+header bytes, at most (values above 1 TiB count as that).
        public var maxBufferedBytes: Int
        /// What to do when either bound is reached.
        public var backpressure: Backpressure
        /// How many times a message that failed with a retriable error is produced again
        /// (each attempt itself lasts up to `messageTimeout`; under ``Ordering/perKey``
        /// librdkafka gets every attempt's time at once, see
        /// ``KafkaProducerConfiguration/deliveryTimeout``).
        public var maxRetries: Int
        /// First delay before producing again; doubles per attempt, with jitter.
        public var retryBackoff: Duration
        /// Longest delay between attempts.
        public var maxRetryBackoff: Duration
        /// When set, every message that finally fails is appended (and fsynced) here as one
        /// JSON line; see ``DeadLetterFile``.
        public var deadLetterPath: String?
        /// After a backlog of at least this many messages has drained, ask the allocator to give
        /// the memory it held back to the system (glibc's `malloc_trim`, on a background queue),
        /// so that a service's memory does not keep the high-water mark of its worst outage.
        /// At most one trim per 30 seconds: a busy producer drains its buffer many times a second.
        /// `nil` turns it off (it is process-wide: the whole heap is trimmed, not only ours).
        public var releaseMemoryAfterBacklog: Int?
        /// Whether ``KafkaProducer/events`` carries a ``KafkaDeliveryReport`` for each message
        /// sent with ``KafkaProducer/enqueue(_:)`` that was stored. Off, only final failures
        /// arrive there and deliveries are only counted (``KafkaClientCounters/delivered``): the
        /// fastest way to send, for callers that act on failures alone. ``KafkaProducer/send(_:)``
        /// and completion handlers get their outcome either way.
        public var reportsDeliveries: Bool
        /// Whether each key's messages are stored in the order they were sent, retries included
        /// (``Ordering/perKey``, the default), or a retried message may land after later ones
        /// (``Ordering/none``).
        public var ordering: Ordering

        /// Defaults: 100,000 messages, 64 MiB, suspend, 10 retries, 1 s doubling to 30 s, memory
        /// given back after a backlog of 2,000 messages, a report per delivered message, each
        /// key's order kept.
        public init(maxBufferedMessages: Int = 100_000, maxBufferedBytes: Int = 64 << 20, backpressure: Backpressure = .suspend,
                    maxRetries: Int = 10, retryBackoff: Duration = .seconds(1), maxRetryBackoff: Duration = .seconds(30), deadLetterPath: String? = nil,
                    releaseMemoryAfterBacklog: Int? = 2_000, reportsDeliveries: Bool = true, ordering: Ordering = .perKey) {
            self.maxBufferedMessages = maxBufferedMessages
            self.maxBufferedBytes = maxBufferedBytes
            self.backpressure = backpressure
            self.maxRetries = maxRetries
            self.retryBackoff = retryBackoff
            self.maxRetryBackoff = maxRetryBackoff
            self.deadLetterPath = deadLetterPath
            self.releaseMemoryAfterBacklog = releaseMemoryAfterBacklog
            self.reportsDeliveries = reportsDeliveries
            self.ordering = ordering
        }
    }
}

extension KafkaProducerConfiguration.DeliveryPolicy {
    /// The longest backoff before the attempt after `attempt`: ``retryBackoff`` doubled per
    /// attempt, at most ``maxRetryBackoff`` (the jitter takes it down to half).
    func backoffCeiling(afterAttempt attempt: Int) -> Duration {
        let base = max(0, retryBackoff.milliseconds), cap = max(0, maxRetryBackoff.milliseconds)
        let doubled = base.multipliedReportingOverflow(by: Int64(1) << min(max(attempt - 1, 0), 20))
        return .milliseconds(doubled.overflow ? cap : min(cap, doubled.partialValue))
    }

    /// Every backoff of ``maxRetries`` retries at its longest, in milliseconds (saturating):
    /// part of what ``KafkaProducerConfiguration/deliveryTimeout`` gives librdkafka under
    /// per-key order, so that a message has at least as long as without it.
    var longestBackoffsMilliseconds: Int64 {
        var total: Int64 = 0
        for attempt in 1...max(1, maxRetries) where maxRetries > 0 {
            let ceiling = backoffCeiling(afterAttempt: attempt).milliseconds
            if ceiling >= maxRetryBackoff.milliseconds {
                // Every later one is the cap too.
                let rest = Int64(maxRetries - attempt + 1).multipliedReportingOverflow(by: ceiling)
                let sum = total.addingReportingOverflow(rest.partialValue)
                return rest.overflow || sum.overflow ? .max : sum.partialValue
            }
            total += ceiling
        }
        return total
    }
}

