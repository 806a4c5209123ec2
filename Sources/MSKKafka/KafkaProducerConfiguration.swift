import Foundation

/// How a ``KafkaProducer`` connects, authenticates, batches and retries.
///
/// Every field maps to a librdkafka property (named in its documentation); anything else goes
/// in ``additionalProperties``. Values librdkafka refuses fail at ``KafkaProducer`` creation
/// with librdkafka's own text and the property's name.
public struct KafkaProducerConfiguration: Sendable {
    /// `bootstrap.servers`, e.g. `["b-1.msk.example:9098"]`.
    public var bootstrapServers: [String]
    /// How to authenticate (and with it `security.protocol` and `sasl.*`).
    public var authentication: KafkaAuthentication
    /// Use TLS (`SASL_SSL` / `SSL`). MSK's IAM listener (port 9098) requires it.
    public var tls: Bool
    /// `ssl.ca.location`, when the system store is not the one to trust.
    public var caLocation: String?
    /// `client.id`.
    public var clientID: String
    /// `acks`: `-1` (all in-sync replicas), `0` or `1`.
    public var acks: Int
    /// `enable.idempotence`, on by default: ordered, no duplicates within one producer session.
    ///
    /// On an MSK cluster with IAM access control an idempotent producer's role needs
    /// `kafka-cluster:WriteDataIdempotently` on the cluster (besides `Connect`, `DescribeTopic`
    /// and `WriteData`): without it MSK refuses `InitProducerId` with
    /// `CLUSTER_AUTHORIZATION_FAILED` and nothing is produced. Grant it, or set this to `false`.
    public var idempotence: Bool
    /// `linger.ms`.
    public var linger: Duration
    /// `batch.size` in bytes.
    public var batchSize: Int
    /// `compression.type`: `none`, `gzip`, `snappy`, `lz4`, `zstd`.
    public var compression: String
    /// `message.timeout.ms`: how long librdkafka itself keeps trying one attempt.
    public var messageTimeout: Duration
    /// `reconnect.backoff.ms` and `reconnect.backoff.max.ms`: how long librdkafka waits before
    /// connecting to a broker again, doubling from the first to the second, with its own jitter.
    /// librdkafka's defaults (100 ms, 10 s) unless set; ``msk(bootstrapServers:region:)`` uses
    /// ``mskReconnectBackoff``.
    public var reconnectBackoff: (first: Duration, maximum: Duration)?

    /// What AWS advises against MSK's limit on new connections per broker
    /// (`reconnect.backoff.ms` of 1,000 or more): 1 s doubling to 10 s.
    public static let mskReconnectBackoff: (first: Duration, maximum: Duration) = (.seconds(1), .seconds(10))
    /// `statistics.interval.ms`; `nil` disables statistics.
    public var statisticsInterval: Duration?
    /// Any other librdkafka property, applied last.
    public var additionalProperties: [String: String]
    /// Off by default. On, the producer asks STS once at start who the credentials it signs with
    /// belong to (`GetCallerIdentity`, see ``OAuthBearerTokenSource/callerIdentity``) and logs
    /// the principal's ARN at `info` — the IAM principal MSK authorizes, so a missing
    /// permission can be matched to the right role. A failure is logged as a `warning` and
    /// changes nothing else; no secret is ever logged. Without MSK IAM authentication it only
    /// logs that there is nothing to ask.
    public var logCallerIdentity: Bool = false

    /// The local buffer and the retry layer on top of librdkafka's own retries.
    public var delivery: DeliveryPolicy

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
        /// (each attempt itself lasts up to `messageTimeout`).
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

        /// Defaults: 100,000 messages, 64 MiB, suspend, 10 retries, 1 s doubling to 30 s, memory
        /// given back after a backlog of 2,000 messages, a report per delivered message.
        public init(maxBufferedMessages: Int = 100_000, maxBufferedBytes: Int = 64 << 20, backpressure: Backpressure = .suspend,
                    maxRetries: Int = 10, retryBackoff: Duration = .seconds(1), maxRetryBackoff: Duration = .seconds(30), deadLetterPath: String? = nil,
                    releaseMemoryAfterBacklog: Int? = 2_000, reportsDeliveries: Bool = true) {
            self.maxBufferedMessages = maxBufferedMessages
            self.maxBufferedBytes = maxBufferedBytes
            self.backpressure = backpressure
            self.maxRetries = maxRetries
            self.retryBackoff = retryBackoff
            self.maxRetryBackoff = maxRetryBackoff
            self.deadLetterPath = deadLetterPath
            self.releaseMemoryAfterBacklog = releaseMemoryAfterBacklog
            self.reportsDeliveries = reportsDeliveries
        }
    }

    /// Creates a configuration; everything but the bootstrap servers has a production default.
    public init(
        bootstrapServers: [String],
        authentication: KafkaAuthentication = .none,
        tls: Bool = false,
        caLocation: String? = nil,
        clientID: String = "swift-msk-kafka",
        acks: Int = -1,
        idempotence: Bool = true,
        linger: Duration = .milliseconds(5),
        batchSize: Int = 1 << 20,
        compression: String = "none",
        messageTimeout: Duration = .seconds(30),
        statisticsInterval: Duration? = nil,
        delivery: DeliveryPolicy = DeliveryPolicy(),
        additionalProperties: [String: String] = [:]
    ) {
        self.bootstrapServers = bootstrapServers
        self.authentication = authentication
        self.tls = tls
        self.caLocation = caLocation
        self.clientID = clientID
        self.acks = acks
        self.idempotence = idempotence
        self.linger = linger
        self.batchSize = batchSize
        self.compression = compression
        self.messageTimeout = messageTimeout
        self.statisticsInterval = statisticsInterval
        self.delivery = delivery
        self.additionalProperties = additionalProperties
    }

    /// The librdkafka properties, in the order they are applied.
    var librdkafkaProperties: [(String, String)] {
        var properties: [(String, String)] = [
            ("bootstrap.servers", bootstrapServers.joined(separator: ",")),
            ("client.id", clientID),
            ("acks", String(acks)),
            ("enable.idempotence", idempotence ? "true" : "false"),
            ("linger.ms", String(linger.milliseconds)),
            ("batch.size", String(batchSize)),
            ("compression.type", compression),
            ("message.timeout.ms", String(messageTimeout.milliseconds)),
            // librdkafka's own queue must never be the bound that bites first: ours is.
            ("queue.buffering.max.messages", String(max(delivery.maxBufferedMessages + 1000, 1000))),
            ("queue.buffering.max.kbytes", String(max(delivery.maxBufferedBytes / 1024 * 2 + 1024, 1024))),
        ]
        if let statisticsInterval { properties.append(("statistics.interval.ms", String(statisticsInterval.milliseconds))) }
        if let reconnectBackoff {
            properties.append(("reconnect.backoff.ms", String(reconnectBackoff.first.milliseconds)))
            properties.append(("reconnect.backoff.max.ms", String(reconnectBackoff.maximum.milliseconds)))
        }
        if let caLocation { properties.append(("ssl.ca.location", caLocation)) }
        properties.append(contentsOf: authentication.librdkafkaProperties(tls: tls))
        properties.append(contentsOf: additionalProperties.sorted { $0.key < $1.key })
        return properties
    }
}

extension Duration {
    var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
