import CRdKafka

// The consumer's calls. A failure is the consumer's own error (``KafkaError/consumer(_:)``,
// naming the operation), or ``KafkaError/authorization(_:)`` for a commit the cluster refused
// for want of a permission.
extension RdKafkaClient {
    /// The offset that means "from the first message still stored".
    static let beginningOffset = Int64(RD_KAFKA_OFFSET_BEGINNING)
    /// The offset that means "from the next message written".
    static let endOffset = Int64(RD_KAFKA_OFFSET_END)

    /// Sends what the main queue would get — errors, statistics, rebalances — to the
    /// consumer's queue, so that the reader serves it all with ``nextMessage(timeoutMs:)``.
    func serveEverythingFromTheConsumerQueue() {
        rd_kafka_poll_set_consumer(handle.raw)
    }

    /// Joins the group and subscribes to `topics`.
    func subscribe(_ topics: [String]) throws(KafkaError) {
        let entries = topics.map { (KafkaTopicPartition(topic: $0, partition: RD_KAFKA_PARTITION_UA), Int64?.none) }
        try Self.check(PartitionList.with(entries) { rd_kafka_subscribe(handle.raw, $0) }, .subscribe)
    }

    /// Reads exactly these partitions, each from its offset (its committed one when nil).
    func assign(_ partitions: [(KafkaTopicPartition, Int64?)]) throws(KafkaError) {
        try Self.check(PartitionList.with(partitions) { rd_kafka_assign(handle.raw, $0) }, .assign)
    }

    /// Commits `offsets` and waits for the broker's answer; with none, the offsets stored for
    /// the partitions assigned now (nothing stored is not an error).
    func commit(_ offsets: [KafkaTopicPartition: Int64]) throws(KafkaError) {
        let error = offsets.isEmpty
            ? rd_kafka_commit(handle.raw, nil, 0)
            : PartitionList.with(offsets.map { ($0.key, $0.value) }) { rd_kafka_commit(handle.raw, $0, 0) }
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR || (offsets.isEmpty && error == RD_KAFKA_RESP_ERR__NO_OFFSET) else {
            throw Self.commitFailure(error, topic: offsets.keys.first?.topic)
        }
    }

    /// Commits `offsets` without waiting: the answer reaches `commitCompletionCallback` on
    /// librdkafka's background thread with `id`, which names the commit's completion (so that
    /// nothing is retained across C).
    func commit(_ offsets: [KafkaTopicPartition: Int64], completionID id: Int) throws(KafkaError) {
        let queue = backgroundQueue.withLock { queue in
            if queue == nil, let taken = rd_kafka_queue_get_background(handle.raw) { queue = RdKafkaPointer(taken) }
            return queue
        }
        let error = PartitionList.with(offsets.map { ($0.key, $0.value) }) { list in
            rd_kafka_commit_queue(handle.raw, list, queue?.raw, commitCompletionCallback, UnsafeMutableRawPointer(bitPattern: id))
        }
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw Self.commitFailure(error, topic: offsets.keys.first?.topic) }
    }

    /// Stores `offset` for `partition`, for the next commit (a local call); the failure, if any.
    func store(_ partition: KafkaTopicPartition, offset: Int64) -> KafkaConsumerError? {
        PartitionList.with([(partition, offset)]) { list in
            let error = rd_kafka_offsets_store(handle.raw, list)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { return KafkaConsumerError(.store, error) }
            return PartitionList.firstError(list, .store)
        }
    }

    /// The committed offsets of these partitions (those without one left out), from the
    /// group coordinator: blocks up to `timeout`.
    func committed(_ partitions: [KafkaTopicPartition], timeout: Duration) throws(KafkaError) -> [KafkaTopicPartition: Int64] {
        try PartitionList.with(partitions.map { ($0, nil) }) { list throws(KafkaError) in
            try Self.check(rd_kafka_committed(handle.raw, list, Int32(clamping: timeout.milliseconds)), .committed)
            try Self.checkPartitions(list, .committed)
            return Self.validOffsets(list)
        }
    }

    /// librdkafka's position in these partitions: the offset after the last message it handed
    /// out (those without one left out). Local.
    func positions(_ partitions: [KafkaTopicPartition]) throws(KafkaError) -> [KafkaTopicPartition: Int64] {
        try PartitionList.with(partitions.map { ($0, nil) }) { list throws(KafkaError) in
            try Self.check(rd_kafka_position(handle.raw, list), .position)
            return Self.validOffsets(list)
        }
    }

    /// Stops fetching these partitions.
    func pause(_ partitions: [KafkaTopicPartition]) throws(KafkaError) {
        try PartitionList.with(partitions.map { ($0, nil) }) { list throws(KafkaError) in
            try Self.check(rd_kafka_pause_partitions(handle.raw, list), .pause)
            try Self.checkPartitions(list, .pause)
        }
    }

    /// Fetches these paused partitions again.
    func resume(_ partitions: [KafkaTopicPartition]) throws(KafkaError) {
        try PartitionList.with(partitions.map { ($0, nil) }) { list throws(KafkaError) in
            try Self.check(rd_kafka_resume_partitions(handle.raw, list), .resume)
            try Self.checkPartitions(list, .resume)
        }
    }

    /// Moves these partitions to these offsets, waiting up to `timeout`.
    func seek(_ offsets: [KafkaTopicPartition: Int64], timeout: Duration) throws(KafkaError) {
        try PartitionList.with(offsets.map { ($0.key, $0.value) }) { list throws(KafkaError) in
            if let error = rd_kafka_seek_partitions(handle.raw, list, Int32(clamping: max(1, timeout.milliseconds))) {
                throw .consumer(KafkaConsumerError(.seek, consuming: error))
            }
            try Self.checkPartitions(list, .seek)
        }
    }

    /// Leaves the group (committing what the commit mode commits on close, serving the last
    /// rebalance) and stops consuming. Blocks until done.
    func closeConsumer() {
        _ = rd_kafka_consumer_close(handle.raw)
    }

    /// The next message or consumer error, waiting up to `timeoutMs` for one (rebalance
    /// callbacks run inside); nil when none came.
    func nextMessage(timeoutMs: Int32) -> ConsumerPoll? {
        guard let raw = rd_kafka_consumer_poll(handle.raw, timeoutMs) else { return nil }
        defer { rd_kafka_message_destroy(raw) }
        let message = raw.pointee
        guard message.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            return .failed(code: message.err.rawValue, name: String(cString: rd_kafka_err2name(message.err)),
                           topic: message.rkt.map { String(cString: rd_kafka_topic_name($0)) })
        }
        return .message(KafkaConsumerMessage(topic: RdKafkaMessageCopy.topic(raw), partition: message.partition, offset: message.offset,
                                             key: RdKafkaMessageCopy.key(raw), value: RdKafkaMessageCopy.value(raw),
                                             headers: RdKafkaMessageCopy.headers(raw), timestampMs: RdKafkaMessageCopy.timestampMs(raw)))
    }

    /// A commit's outcome, from librdkafka's answer: its own error, else the first partition's.
    static func commitResult(_ error: rd_kafka_resp_err_t, _ list: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> Result<Void, KafkaError> {
        let entries = PartitionList.entries(list)
        if error != RD_KAFKA_RESP_ERR_NO_ERROR { return .failure(commitFailure(error, topic: entries.first?.partition.topic)) }
        if let failed = entries.first(where: { $0.error != RD_KAFKA_RESP_ERR_NO_ERROR }) {
            return .failure(commitFailure(failed.error, topic: failed.partition.topic, partition: failed.partition))
        }
        return .success(())
    }

    private static func commitFailure(_ error: rd_kafka_resp_err_t, topic: String?, partition: KafkaTopicPartition? = nil) -> KafkaError {
        if let denied = KafkaAuthorizationFailure(code: error.rawValue, topic: topic, idempotentProducer: false, consumer: true) {
            return .authorization(denied)
        }
        return .consumer(KafkaConsumerError(.commit, error, partition: partition))
    }

    private static func check(_ error: rd_kafka_resp_err_t, _ operation: KafkaConsumerError.Operation) throws(KafkaError) {
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw .consumer(KafkaConsumerError(operation, error)) }
    }

    /// Throws the first partition's error in `list`, as `operation`'s.
    private static func checkPartitions(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>, _ operation: KafkaConsumerError.Operation) throws(KafkaError) {
        if let failure = PartitionList.firstError(list, operation) { throw .consumer(failure) }
    }

    private static func validOffsets(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [KafkaTopicPartition: Int64] {
        var offsets: [KafkaTopicPartition: Int64] = [:]
        for entry in PartitionList.entries(list) where entry.error == RD_KAFKA_RESP_ERR_NO_ERROR && entry.offset >= 0 { offsets[entry.partition] = entry.offset }
        return offsets
    }
}

/// What the consumer's queue gave the reader.
enum ConsumerPoll {
    case message(KafkaConsumerMessage)
    /// A consumer error, after which librdkafka goes on by itself: its code and name, and the
    /// topic when it is one topic's.
    case failed(code: Int32, name: String, topic: String?)
}

/// The result of an asynchronous commit, on librdkafka's background thread.
let commitCompletionCallback: @convention(c) (OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, UnsafeMutableRawPointer?) -> Void = { handle, error, list, opaque in
    guard let handle, let context = KafkaCallbackContext.from(rd_kafka_opaque(handle)), let completions = context.commitCompletions,
          let completion = completions.take(Int(bitPattern: opaque)) else { return }
    completion(RdKafkaClient.commitResult(error, list))
}
