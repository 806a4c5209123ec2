/// How a ``KafkaProducer`` connects, authenticates, batches and retries.
///
/// The connection (servers, authentication, TLS, client id, statistics) is a
/// ``KafkaConnectionConfiguration``, shared with the consumer; its fields also read and write
/// through this configuration (``KafkaClientConfiguration``). Every other field maps to a
/// librdkafka property (named in its documentation); anything else goes in
/// ``additionalProperties``. Values librdkafka refuses fail at ``KafkaProducer`` creation with
/// ``KafkaError/invalidConfiguration(property:reason:)``: librdkafka's own text and the
/// property's name.
public struct KafkaProducerConfiguration: KafkaClientConfiguration {
    /// Where the producer connects and how it authenticates.
    public var connection: KafkaConnectionConfiguration
    /// `acks`: how many replicas must store a message before it counts as delivered.
    public var acks: KafkaAcks
    /// `enable.idempotence`, on by default: ordered, no duplicates within one producer session
    /// (it needs ``acks`` ``KafkaAcks/all``; librdkafka refuses anything else).
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
    /// `compression.type`.
    public var compression: KafkaCompression
    /// `message.timeout.ms`: how long librdkafka itself keeps trying one attempt.
    ///
    /// Under ``Ordering/perKey`` librdkafka gets the whole budget in one attempt instead —
    /// `messageTimeout × (maxRetries + 1)` plus the backoffs — because its own retries keep a
    /// partition's order and a timeout is what breaks it (see ``deliveryTimeout``).
    public var messageTimeout: Duration
    /// The local buffer and the retry layer on top of librdkafka's own retries.
    public var delivery: DeliveryPolicy
    /// Any other librdkafka property, applied last.
    public var additionalProperties: [String: String]

    /// Creates a configuration; everything but the connection has a production default.
    public init(
        connection: KafkaConnectionConfiguration,
        acks: KafkaAcks = .all,
        idempotence: Bool = true,
        linger: Duration = .milliseconds(5),
        batchSize: Int = 1 << 20,
        compression: KafkaCompression = .none,
        messageTimeout: Duration = .seconds(30),
        delivery: DeliveryPolicy = DeliveryPolicy(),
        additionalProperties: [String: String] = [:]
    ) {
        self.connection = connection
        self.acks = acks
        self.idempotence = idempotence
        self.linger = linger
        self.batchSize = batchSize
        self.compression = compression
        self.messageTimeout = messageTimeout
        self.delivery = delivery
        self.additionalProperties = additionalProperties
    }

    /// The librdkafka properties, in the order they are applied.
    var librdkafkaProperties: [(String, String)] {
        connection.librdkafkaProperties + [
            ("acks", acks.rawValue),
            ("enable.idempotence", idempotence ? "true" : "false"),
            ("linger.ms", String(linger.milliseconds)),
            ("batch.size", String(batchSize)),
            ("compression.type", compression.rawValue),
            ("message.timeout.ms", String(deliveryTimeout.milliseconds)),
            // librdkafka's own queue must never be the bound that bites first: ours is.
            ("queue.buffering.max.messages", String(max(delivery.maxBufferedMessages + 1000, 1000))),
            ("queue.buffering.max.kbytes", String(max(delivery.maxBufferedBytes / 1024 * 2 + 1024, 1024))),
        ] + orderingProperties + additionalProperties.sorted { $0.key < $1.key }
    }

    /// What librdkafka is given as `message.timeout.ms`: ``messageTimeout`` per attempt under
    /// ``Ordering/none``; under ``Ordering/perKey`` the time every attempt and backoff
    /// together would have had at most, `messageTimeout × (maxRetries + 1)` plus every backoff
    /// at its longest (at most librdkafka's 24.8 days).
    ///
    /// Why: librdkafka keeps a partition's order through reconnects, leader changes and
    /// re-authentication — with idempotence it sends again in order, bumping the epoch when
    /// it must — until a message times out. The timed-out one is then reported while later
    /// messages of its partition are still queued, and a broker back a moment later stores
    /// them first: no layer above can put it back ahead of them (librdkafka 2.0.2 cannot take
    /// one partition's queued messages back). So ``Ordering/perKey`` lets no message time out
    /// before its retries would all have been spent.
    public var deliveryTimeout: Duration {
        guard delivery.ordering == .perKey else { return messageTimeout }
        let limit = Int64(Int32.max)
        let attempts = Int64(min(max(0, delivery.maxRetries), Int(limit))) + 1
        let timeouts = messageTimeout.milliseconds.multipliedReportingOverflow(by: attempts)
        let budget = timeouts.partialValue.addingReportingOverflow(delivery.longestBackoffsMilliseconds)
        return .milliseconds(timeouts.overflow || budget.overflow ? limit : min(budget.partialValue, limit))
    }

    /// Under ``Ordering/perKey`` without idempotence, one request in flight per connection:
    /// librdkafka's own retries keep the order only so (its documentation of `retries`).
    /// ``additionalProperties`` come after, so a caller can still choose otherwise.
    private var orderingProperties: [(String, String)] {
        delivery.ordering == .perKey && !idempotence ? [("max.in.flight.requests.per.connection", "1")] : []
    }
}

extension KafkaProducerConfiguration {
    /// The common MSK case: ``KafkaConnectionConfiguration/msk(bootstrapServers:region:)`` —
    /// TLS + IAM with credentials from the AWS default chain, cached and refreshed in the
    /// background, and reconnects spaced as AWS advises — with the producer's defaults.
    ///
    /// Idempotence stays on (the default): the producer's role then needs
    /// `kafka-cluster:WriteDataIdempotently` on the cluster (see ``idempotence``).
    public static func msk(bootstrapServers: [String], region: String) throws -> KafkaProducerConfiguration {
        KafkaProducerConfiguration(connection: try .msk(bootstrapServers: bootstrapServers, region: region))
    }

    /// ``msk(bootstrapServers:region:)`` with the region read from MSK's host names
    /// (``MSKBootstrapAddress``), e.g. `eu-west-1` from
    /// `b-1.orders.a1b2c3.c2.kafka.eu-west-1.amazonaws.com:9098`.
    /// - Throws: ``MSKBootstrapAddressError`` when an address is not MSK's or the addresses name
    ///   different regions: pass `region:` then.
    public static func msk(bootstrapServers: [String]) throws -> KafkaProducerConfiguration {
        KafkaProducerConfiguration(connection: try .msk(bootstrapServers: bootstrapServers))
    }
}
