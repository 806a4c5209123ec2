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
    /// When offsets are committed; ``KafkaCommitMode/manual`` by default: commit with
    /// ``KafkaConsumer/commit(_:)-(KafkaConsumerMessage)`` after processing.
    public var commitMode: KafkaCommitMode
    /// Whether librdkafka commits (`enable.auto.commit`): a commit mode other than
    /// ``KafkaCommitMode/manual``. Setting it true chooses ``KafkaCommitMode/automatic(interval:)``.
    public var autoCommit: Bool {
        get { commitMode != .manual }
        set { commitMode = newValue ? (commitMode == .manual ? .automatic() : commitMode) : .manual }
    }
    /// `partition.assignment.strategy`; librdkafka's default (`range,roundrobin`) when `nil`.
    /// ``KafkaPartitionAssignmentStrategy/cooperativeSticky`` rebalances incrementally.
    public var partitionAssignmentStrategy: KafkaPartitionAssignmentStrategy?
    /// How long a revocation waits for the application to acknowledge it (see
    /// ``KafkaRebalance``) before the partitions are given up anyway. The whole group waits
    /// meanwhile under the eager protocol; keep it well under `max.poll.interval.ms` (5 min).
    public var revokeAcknowledgementTimeout: Duration = .seconds(30)
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
        self.commitMode = autoCommit ? .automatic() : .manual
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
            ("session.timeout.ms", String(sessionTimeout.milliseconds)),
            ("enable.partition.eof", "false"),
        ]
        switch commitMode {
        case .manual:
            properties.append(("enable.auto.commit", "false"))
        case .automatic(let interval), .storedOffsets(let interval):
            // Offsets are stored by the consumer (automatic: as the application moves on) or
            // the application (storedOffsets), never as librdkafka hands a message to the reader.
            properties.append(("enable.auto.commit", "true"))
            properties.append(("auto.commit.interval.ms", String(max(1, interval.milliseconds))))
            properties.append(("enable.auto.offset.store", "false"))
        }
        if let partitionAssignmentStrategy { properties.append(("partition.assignment.strategy", partitionAssignmentStrategy.rawValue)) }
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
