import CRdKafka

/// One rebalance as librdkafka's `rebalance_cb` hands it over — what happened, to which
/// partitions, under which protocol — and the calls that take the partitions or give them up,
/// which must be made before the callback returns. Lives only for the callback.
struct RdKafkaRebalance {
    /// What librdkafka asks for.
    enum Request {
        /// Take the partitions assigned.
        case assign
        /// Give the partitions up.
        case revoke
        /// The rebalance failed (its error's name): give everything up.
        case failed(String)
    }

    let request: Request
    let partitions: [KafkaTopicPartition]
    let rebalanceProtocol: KafkaRebalanceProtocol
    private let handle: OpaquePointer
    private let list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?

    fileprivate init(_ handle: OpaquePointer, _ error: rd_kafka_resp_err_t, _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) {
        self.handle = handle
        self.list = list
        switch error {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS: request = .assign
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS: request = .revoke
        default: request = .failed(String(cString: rd_kafka_err2name(error)))
        }
        partitions = PartitionList.entries(list).map(\.partition)
        let cooperative = rd_kafka_rebalance_protocol(handle).map { String(cString: $0) } == "COOPERATIVE"
        rebalanceProtocol = cooperative ? .cooperative : .eager
    }

    /// Whether the partitions revoked were lost (taken away without this consumer).
    var isLost: Bool { rd_kafka_assignment_lost(handle) == 1 }

    /// Takes the partitions assigned: only these under the cooperative protocol, as the whole
    /// assignment under the eager one.
    func take() -> KafkaConsumerError? {
        if rebalanceProtocol == .cooperative {
            return rd_kafka_incremental_assign(handle, list).map { KafkaConsumerError(.assign, consuming: $0) }
        }
        return Self.failure(rd_kafka_assign(handle, list))
    }

    /// Gives the partitions revoked up: only these under the cooperative protocol, the whole
    /// assignment under the eager one.
    func giveUp() -> KafkaConsumerError? {
        if rebalanceProtocol == .cooperative {
            return rd_kafka_incremental_unassign(handle, list).map { KafkaConsumerError(.assign, consuming: $0) }
        }
        return giveUpEverything()
    }

    /// Gives the whole assignment up.
    @discardableResult
    func giveUpEverything() -> KafkaConsumerError? {
        Self.failure(rd_kafka_assign(handle, nil))
    }

    private static func failure(_ code: rd_kafka_resp_err_t) -> KafkaConsumerError? {
        code == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaConsumerError(.assign, code)
    }
}

/// `rebalance_cb`, served by the consumer's reader (inside its poll) or by
/// ``RdKafkaClient/closeConsumer()``.
let rebalanceCallback: @convention(c) (OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, UnsafeMutableRawPointer?) -> Void = { handle, error, list, opaque in
    guard let handle else { return }
    guard let group = KafkaCallbackContext.from(opaque)?.consumerGroup else {
        // Not ours to decide: librdkafka's own handling.
        _ = rd_kafka_assign(handle, error == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS ? list : nil)
        return
    }
    group.rebalance(RdKafkaRebalance(handle, error, list))
}
