/// How a ``KafkaConsumer`` connects, authenticates and commits.
///
/// The connection is a ``KafkaConnectionConfiguration``, shared with the producer; its fields
/// also read and write through this configuration (``KafkaClientConfiguration``).
public struct KafkaConsumerConfiguration: KafkaClientConfiguration {
    /// Where the consumer connects and how it authenticates (same choices as the producer, IAM
    /// included).
    public var connection: KafkaConnectionConfiguration
    /// `group.id`.
    public var groupID: String
    /// `auto.offset.reset`: where a group without committed offsets starts.
    public var autoOffsetReset: KafkaOffsetReset
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
    /// Any other librdkafka property, applied last.
    public var additionalProperties: [String: String]

    /// Creates a configuration.
    public init(connection: KafkaConnectionConfiguration, groupID: String, autoOffsetReset: KafkaOffsetReset = .earliest,
                commitMode: KafkaCommitMode = .manual, sessionTimeout: Duration = .seconds(45), additionalProperties: [String: String] = [:]) {
        self.connection = connection
        self.groupID = groupID
        self.autoOffsetReset = autoOffsetReset
        self.commitMode = commitMode
        self.sessionTimeout = sessionTimeout
        self.additionalProperties = additionalProperties
    }

    var librdkafkaProperties: [(String, String)] {
        var properties = connection.librdkafkaProperties + [
            ("group.id", groupID),
            ("auto.offset.reset", autoOffsetReset.rawValue),
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
        return properties + additionalProperties.sorted { $0.key < $1.key }
    }
}

extension KafkaConsumerConfiguration {
    /// The consumer's MSK preset, as the producer's:
    /// ``KafkaConnectionConfiguration/msk(bootstrapServers:region:)`` — TLS + IAM with
    /// credentials from the AWS default chain behind a `RefreshingCredentialCache`, and
    /// ``KafkaConnectionConfiguration/mskReconnectBackoff``.
    ///
    /// Its role needs, besides `kafka-cluster:Connect`, `DescribeTopic` and `ReadData` on the
    /// topics, and `DescribeGroup` and `AlterGroup` on the group.
    public static func msk(bootstrapServers: [String], groupID: String, region: String) throws -> KafkaConsumerConfiguration {
        KafkaConsumerConfiguration(connection: try .msk(bootstrapServers: bootstrapServers, region: region), groupID: groupID)
    }

    /// ``msk(bootstrapServers:groupID:region:)`` with the region read from MSK's host names
    /// (``MSKBootstrapAddress``).
    /// - Throws: ``MSKBootstrapAddressError`` when an address is not MSK's or the addresses name
    ///   different regions: pass `region:` then.
    public static func msk(bootstrapServers: [String], groupID: String) throws -> KafkaConsumerConfiguration {
        KafkaConsumerConfiguration(connection: try .msk(bootstrapServers: bootstrapServers), groupID: groupID)
    }
}
