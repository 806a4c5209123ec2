/// How a ``KafkaConsumer`` connects, authenticates and commits.
public struct KafkaConsumerConfiguration: Sendable {
    /// `bootstrap.servers`.
    public var bootstrapServers: [String]
    /// `group.id`.
    public var groupID: String
    /// How to authenticate (same choices as the producer, IAM included).
    public var authentication: KafkaAuthentication
    /// Use TLS.
    public var tls: Bool
    /// `ssl.ca.location`.
    public var caLocation: String?
    /// `client.id`.
    public var clientID: String
    /// `auto.offset.reset`: where a group without committed offsets starts (`earliest`, `latest`).
    public var autoOffsetReset: String
    /// `enable.auto.commit`; off by default: commit with ``KafkaConsumer/commit(_:)`` after processing.
    public var autoCommit: Bool
    /// `session.timeout.ms`.
    public var sessionTimeout: Duration
    /// `reconnect.backoff.ms` and `reconnect.backoff.max.ms`: how long librdkafka waits before
    /// connecting to a broker again, doubling from the first to the second, with its own jitter.
    /// librdkafka's defaults (100 ms, 10 s) unless set; ``msk(bootstrapServers:groupID:region:)``
    /// uses ``mskReconnectBackoff``.
    public var reconnectBackoff: (first: Duration, maximum: Duration)?
    /// What AWS advises against MSK's limit on new connections per broker: 1 s doubling to 10 s
    /// (the producer's ``KafkaProducerConfiguration/mskReconnectBackoff``).
    public static let mskReconnectBackoff = KafkaProducerConfiguration.mskReconnectBackoff
    /// `statistics.interval.ms`; `nil` disables statistics.
    public var statisticsInterval: Duration?
    /// Any other librdkafka property, applied last.
    public var additionalProperties: [String: String]
    /// Off by default. On, the consumer logs once at start the IAM principal its credentials
    /// belong to (STS `GetCallerIdentity`), as ``KafkaProducerConfiguration/logCallerIdentity``.
    public var logCallerIdentity: Bool = false

    /// Creates a configuration.
    public init(bootstrapServers: [String], groupID: String, authentication: KafkaAuthentication = .none, tls: Bool = false, caLocation: String? = nil,
                clientID: String = "swift-msk-kafka", autoOffsetReset: String = "earliest", autoCommit: Bool = false,
                sessionTimeout: Duration = .seconds(45), statisticsInterval: Duration? = nil, additionalProperties: [String: String] = [:]) {
        self.bootstrapServers = bootstrapServers
        self.groupID = groupID
        self.authentication = authentication
        self.tls = tls
        self.caLocation = caLocation
        self.clientID = clientID
        self.autoOffsetReset = autoOffsetReset
        self.autoCommit = autoCommit
        self.sessionTimeout = sessionTimeout
        self.statisticsInterval = statisticsInterval
        self.additionalProperties = additionalProperties
    }

    var librdkafkaProperties: [(String, String)] {
        var properties: [(String, String)] = [
            ("bootstrap.servers", bootstrapServers.joined(separator: ",")),
            ("group.id", groupID),
            ("client.id", clientID),
            ("auto.offset.reset", autoOffsetReset),
            ("enable.auto.commit", autoCommit ? "true" : "false"),
            ("session.timeout.ms", String(sessionTimeout.milliseconds)),
            ("enable.partition.eof", "false"),
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
