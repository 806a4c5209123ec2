import Metrics
import Synchronization

/// The library's own counters, exported through swift-metrics (labels: `client_id`) and kept
/// locally too, so that ``KafkaProducer/counters`` can be read without a metrics backend.
public struct KafkaClientCounters: Sendable {
    /// A counter that also remembers its total.
    public final class Tally: Sendable {
        private let counter: Counter
        private let total = Atomic<Int>(0)

        init(_ label: String, clientID: String) {
            counter = Counter(label: label, dimensions: [("client_id", clientID)])
        }

        func increment(by amount: Int = 1) {
            counter.increment(by: amount)
            total.add(amount, ordering: .relaxed)
        }

        /// The total so far.
        public var value: Int { total.load(ordering: .relaxed) }
    }

    /// Tokens minted and pushed to librdkafka.
    public let tokenRefreshes: Tally
    /// Failed attempts to mint a token, and tokens librdkafka refused (a malformed SASL
    /// extension, an empty value, a lifetime already over: it keeps the previous token).
    public let tokenRefreshFailures: Tally
    /// Authentication failures reported by librdkafka.
    public let authenticationFailures: Tally
    /// New credentials fetched by the credential cache behind MSK IAM (rotations).
    public let credentialRefreshes: Tally
    /// Broker connections made again after the first one per broker (from librdkafka's
    /// statistics: counted only while ``KafkaConnectionConfiguration/statisticsInterval`` is set).
    public let reconnects: Tally
    /// Messages produced again by the max-retries layer.
    public let retries: Tally
    /// Messages delivered.
    public let delivered: Tally
    /// Messages that finally failed (and were reported to the caller).
    public let failed: Tally
    /// Messages written to the dead-letter file.
    public let deadLettered: Tally
    /// Statistics documents that could not be decoded.
    public let malformedStatistics: Tally
    /// Events not kept on ``KafkaProducer/events`` because the unread ones already held
    /// ``KafkaProducer/maxUnreadEventBytes``. A dropped failure is still counted in ``failed``
    /// and dead-lettered when configured; the message itself is never dropped.
    public let eventsDropped: Tally
    /// Keys whose order was broken under ``KafkaProducerConfiguration/Ordering/perKey`` (one
    /// per ``KafkaProducerEvent/orderBroken(_:)``).
    public let orderBreaks: Tally

    init(clientID: String) {
        tokenRefreshes = Tally("msk_kafka_token_refreshes_total", clientID: clientID)
        tokenRefreshFailures = Tally("msk_kafka_token_refresh_failures_total", clientID: clientID)
        authenticationFailures = Tally("msk_kafka_authentication_failures_total", clientID: clientID)
        credentialRefreshes = Tally("msk_kafka_credential_refreshes_total", clientID: clientID)
        reconnects = Tally("msk_kafka_reconnects_total", clientID: clientID)
        retries = Tally("msk_kafka_retries_total", clientID: clientID)
        delivered = Tally("msk_kafka_delivered_total", clientID: clientID)
        failed = Tally("msk_kafka_failed_total", clientID: clientID)
        deadLettered = Tally("msk_kafka_dead_lettered_total", clientID: clientID)
        malformedStatistics = Tally("msk_kafka_malformed_statistics_total", clientID: clientID)
        eventsDropped = Tally("msk_kafka_events_dropped_total", clientID: clientID)
        orderBreaks = Tally("msk_kafka_order_breaks_total", clientID: clientID)
    }
}
