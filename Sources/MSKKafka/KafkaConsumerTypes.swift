import CRdKafka

/// One partition of one topic.
public struct KafkaTopicPartition: Hashable, Sendable, CustomStringConvertible {
    /// The topic.
    public var topic: String
    /// The partition.
    public var partition: Int32

    /// Names a partition.
    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(topic)[\(partition)]" }
}

/// What a ``KafkaConsumer`` hands the application on ``KafkaConsumer/events``: messages, and
/// the group's rebalances in the order they happen between them.
public enum KafkaConsumerEvent: Sendable {
    /// A message.
    case message(KafkaConsumerMessage)
    /// Partitions assigned to this consumer, revoked from it, or lost.
    case rebalance(KafkaRebalance)
}

/// The group protocol a rebalance ran under.
public enum KafkaRebalanceProtocol: Sendable, Equatable {
    /// Eager (`range`, `roundrobin`): every rebalance revokes the whole assignment, then assigns
    /// a whole new one.
    case eager
    /// Cooperative (`cooperative-sticky`): only the partitions that move are revoked and assigned.
    case cooperative
}

/// A change of this consumer's share of the group's partitions.
///
/// A revocation (``Kind-swift.enum/revoked``) waits for the application: librdkafka does not
/// give the partitions up until ``acknowledge()`` is called — or the application asks
/// ``KafkaConsumer/events`` for its next event, which acknowledges it — or
/// ``KafkaConsumerConfiguration/revokeAcknowledgementTimeout`` passes. Commit what was
/// processed before that; the partitions' next owner starts from those commits.
public struct KafkaRebalance: Sendable, CustomStringConvertible {
    /// What happened.
    public enum Kind: Sendable, Equatable {
        /// These partitions are now this consumer's; their messages follow.
        case assigned
        /// These partitions are being taken away in an orderly rebalance: commit, then acknowledge.
        case revoked
        /// These partitions were taken away without this consumer (its session expired, or it
        /// was fenced): their new owner may already be reading them, and a commit would fail.
        case lost
    }

    /// What happened.
    public let kind: Kind
    /// The partitions assigned, revoked or lost (only those that change, under the cooperative
    /// protocol; the whole assignment under the eager one).
    public let partitions: [KafkaTopicPartition]
    /// The protocol of the rebalance.
    public let rebalanceProtocol: KafkaRebalanceProtocol
    let acknowledgement: RevokeAcknowledgement?

    /// Whether librdkafka waits for ``acknowledge()`` before it gives the partitions up: true
    /// for a revocation while the consumer runs; false for an assignment, a loss, and the
    /// revocation of ``KafkaConsumer/close()`` (commit before closing instead).
    public var waitsForAcknowledgement: Bool { acknowledgement != nil }

    /// Lets librdkafka complete the revocation. Calling it again, or for an assignment or a
    /// loss, does nothing.
    public func acknowledge() { acknowledgement?.acknowledge() }

    public var description: String {
        "\(kind) \(partitions.map(\.description).joined(separator: ", ")) (\(rebalanceProtocol))"
    }
}

/// How the partitions of the subscribed topics are shared out in the group
/// (`partition.assignment.strategy`).
public enum KafkaPartitionAssignmentStrategy: String, Sendable {
    /// `range`: consecutive partitions of each topic per member (eager protocol).
    case range
    /// `roundrobin`: partitions dealt out one by one (eager protocol).
    case roundRobin = "roundrobin"
    /// `cooperative-sticky`: partitions stay where they are and only those that move are
    /// revoked, so the rest keep being read during a rebalance (cooperative protocol).
    case cooperativeSticky = "cooperative-sticky"
}

/// When a consumer group's offsets are committed.
public enum KafkaCommitMode: Sendable, Equatable {
    /// librdkafka commits every `interval` (`enable.auto.commit`). The offset of a message is
    /// stored for that commit when the application asks for the next message, so a commit never
    /// runs ahead of the processing (at least once, with the messages read ahead not counted
    /// as processed).
    case automatic(interval: Duration = .seconds(5))
    /// Nothing is committed unless the application commits:
    /// ``KafkaConsumer/commit(_:)-(KafkaConsumerMessage)`` (synchronous) or
    /// ``KafkaConsumer/commit(_:completion:)-(KafkaConsumerMessage,_)`` and
    /// ``KafkaConsumer/commitAsync(_:)`` (asynchronous).
    case manual
    /// The application stores the offset of each message it has processed with
    /// ``KafkaConsumer/store(_:)`` — a local call, no round trip — and librdkafka commits what
    /// was stored every `interval`, on a revocation and on close
    /// (`enable.auto.offset.store=false` with `enable.auto.commit`): at least once.
    case storedOffsets(interval: Duration = .seconds(5))
}

/// A consumer operation that failed, with librdkafka's error.
public struct KafkaConsumerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The consumer operations that can fail.
    public enum Operation: String, Sendable {
        case subscribe, assign, commit, store, seek, pause, resume, committed, position
    }

    /// What was being done.
    public var operation: Operation
    /// The `rd_kafka_resp_err_t` value.
    public var code: Int32
    /// Its symbolic name, e.g. `_STATE`.
    public var name: String
    /// librdkafka's description.
    public var reason: String
    /// The partition it failed for, when the failure is one partition's.
    public var partition: KafkaTopicPartition?

    init(_ operation: Operation, _ error: rd_kafka_resp_err_t, partition: KafkaTopicPartition? = nil) {
        self.operation = operation
        code = error.rawValue
        name = String(cString: rd_kafka_err2name(error))
        reason = String(cString: rd_kafka_err2str(error))
        self.partition = partition
    }

    init(_ operation: Operation, consuming error: OpaquePointer) {
        self.init(operation, rd_kafka_error_code(error))
        reason = String(cString: rd_kafka_error_string(error))
        rd_kafka_error_destroy(error)
    }

    /// `operation` refused because the consumer is closed (``isClosed``).
    static func closed(_ operation: Operation) -> KafkaConsumerError {
        KafkaConsumerError(operation, RD_KAFKA_RESP_ERR__DESTROY)
    }

    /// Whether this failure was the consumer being closed (``KafkaConsumer/close()``).
    public var isClosed: Bool { code == RD_KAFKA_RESP_ERR__DESTROY.rawValue }

    public var description: String {
        "\(operation) failed\(partition.map { " for \($0)" } ?? ""): \(name) (\(code)): \(reason)"
    }
}

/// librdkafka partition lists to and from Swift.
enum PartitionList {
    /// Calls `body` with a new list of `entries`, destroyed when it returns.
    static func with<Result, Failure>(_ entries: [(KafkaTopicPartition, Int64?)],
                                      _ body: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) throws(Failure) -> Result) throws(Failure) -> Result {
        let list = make(entries)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return try body(list)
    }

    /// A new list; destroy it with `rd_kafka_topic_partition_list_destroy`.
    static func make(_ entries: [(KafkaTopicPartition, Int64?)]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(max(1, entries.count)))!
        for (partition, offset) in entries {
            let element = rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition)
            if let offset { element?.pointee.offset = offset }
        }
        return list
    }

    /// The entries, with each one's offset and error.
    static func entries(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> [(partition: KafkaTopicPartition, offset: Int64, error: rd_kafka_resp_err_t)] {
        guard let list, let elements = list.pointee.elems else { return [] }
        return (0..<Int(list.pointee.cnt)).map { index in
            let element = elements[index]
            return (KafkaTopicPartition(topic: String(cString: element.topic), partition: element.partition), element.offset, element.err)
        }
    }

    /// The first per-partition error, as `operation`'s failure.
    static func firstError(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>, _ operation: KafkaConsumerError.Operation) -> KafkaConsumerError? {
        entries(list).first { $0.error != RD_KAFKA_RESP_ERR_NO_ERROR }.map { KafkaConsumerError(operation, $0.error, partition: $0.partition) }
    }
}
