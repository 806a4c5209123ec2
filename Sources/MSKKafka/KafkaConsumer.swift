import CRdKafka
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// A Kafka consumer over librdkafka: subscribe (a consumer group) or assign, read ``messages``
/// or ``events`` (messages and rebalances) as an `AsyncSequence`, commit after processing.
/// IAM authentication works as for the producer.
///
/// At least once with a group, committing on revocation:
///
/// ```swift
/// let consumer = try KafkaConsumer(configuration: .msk(bootstrapServers: servers, groupID: "orders"))
/// try consumer.subscribe(topics: ["orders"])
/// for await event in consumer.events {
///     switch event {
///     case .message(let message):
///         try await handle(message)
///         try consumer.store(message)          // commitMode: .storedOffsets()
///     case .rebalance(let rebalance):
///         if rebalance.kind == .revoked { try consumer.commit() }   // before the partitions go
///     }
/// }
/// ```
///
/// It is a swift-service-lifecycle `Service`: ``run()`` returns on graceful shutdown after
/// leaving the group (``close()``).
public final class KafkaConsumer: Service, Sendable {
    /// The configuration it was made with.
    public let configuration: KafkaConsumerConfiguration
    /// The library's counters.
    public let counters: KafkaClientCounters
    /// Every message, in order per partition. Ends when the consumer is closed. A slow reader
    /// makes the consumer fetch less; no message is ever dropped for it. Read this or
    /// ``events``, not both.
    public var messages: KafkaConsumerMessages { KafkaConsumerMessages(delivery: delivery) }
    /// Messages and rebalances (partitions assigned, revoked, lost), in the order they happen.
    /// Read this or ``messages``, not both.
    public var events: KafkaConsumerEvents { KafkaConsumerEvents(delivery: delivery) }
    /// How many messages the consumer reads ahead of the application, at most.
    public static let readAhead = 10_000
    /// Decoded statistics documents, every ``KafkaConsumerConfiguration/statisticsInterval``.
    public var statistics: AsyncStream<KafkaStatistics> { context.statistics.stream }

    private let client: RdKafkaClient
    private let context: KafkaCallbackContext
    private let group: ConsumerGroupState
    private let commits = CommitCompletions()
    private let delivery: ConsumerDelivery
    private let continuation: AsyncStream<ConsumerElement>.Continuation
    private let window = ReadAheadWindow(size: KafkaConsumer.readAhead)
    private let reader = ReaderControl()
    private let calls: ConsumerCalls
    private let logger: Logger
    /// The `logCallerIdentity` lookup, while it runs (`nil` when off).
    let callerIdentityLogged: Task<Void, Never>?

    /// Messages read from librdkafka and not yet taken by the application (about: the reader
    /// holds one more place while it polls).
    var messagesReadAhead: Int { window.inUse }

    /// Whether a revocation waits for the application now.
    var awaitsRevokeAcknowledgement: Bool { group.awaitsAcknowledgement }

    /// Creates the consumer; nothing is read until ``subscribe(topics:)`` or ``assign(_:)``.
    public init(configuration: KafkaConsumerConfiguration, logger: Logger = Logger(label: "swift-msk-kafka.consumer")) throws {
        self.configuration = configuration
        self.logger = logger
        let counters = KafkaClientCounters(clientID: configuration.clientID)
        self.counters = counters
        let refresher = configuration.authentication.tokenSource.map { OAuthBearerTokenRefresher(source: $0, logger: logger, counters: counters) }
        // Unbounded here: the read-ahead window is what bounds it, and it waits rather than drops.
        let (stream, continuation) = AsyncStream.makeStream(of: ConsumerElement.self, bufferingPolicy: .unbounded)
        self.continuation = continuation
        group = ConsumerGroupState(continuation: continuation, acknowledgementTimeout: configuration.revokeAcknowledgementTimeout, logger: logger)
        context = KafkaCallbackContext(delivery: nil, refresher: refresher, statistics: StatisticsHandler(counters: counters, logger: logger), logger: logger, counters: counters,
                                       consumerGroup: group, commitCompletions: commits)
        client = try RdKafkaClient(.consumer, properties: configuration.librdkafkaProperties, context: context, statistics: configuration.statisticsInterval != nil)
        let calls = ConsumerCalls(client: client)
        self.calls = calls
        callerIdentityLogged = CallerIdentityLog.start(enabled: configuration.logCallerIdentity, authentication: configuration.authentication, logger: logger)
        // One queue for everything: errors, statistics, rebalances and messages are all served by our reader.
        rd_kafka_poll_set_consumer(client.handle.raw)
        let storesOnNext = if case .automatic = configuration.commitMode { true } else { false }
        delivery = ConsumerDelivery(stream: stream, window: window, group: group) { message in
            // Partitions revoked meanwhile refuse it (_STATE): their offsets were committed.
            guard storesOnNext else { return }
            _ = try? calls.enter(.store) { Self.store(message, handle: $0) }
        }
        startReader()
    }

    deinit { close() }

    /// Joins the group and subscribes to `topics`; the group's rebalances appear on ``events``.
    /// - Throws: ``KafkaError/consumer(_:)`` (operation `subscribe`).
    public func subscribe(topics: [String]) throws {
        try calls.enter(.subscribe) { handle in
            let list = PartitionList.make(topics.map { (KafkaTopicPartition(topic: $0, partition: RD_KAFKA_PARTITION_UA), nil) })
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let error = rd_kafka_subscribe(handle, list)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.consumer(KafkaConsumerError(.subscribe, error)) }
        }
    }

    /// The `offset` that means "from the first message still stored" in ``assign(_:)`` and
    /// ``seek(_:timeout:)``.
    public static let beginning: Int64 = Int64(RD_KAFKA_OFFSET_BEGINNING)
    /// The `offset` that means "from the next message written" in ``assign(_:)`` and ``seek(_:timeout:)``.
    public static let end: Int64 = Int64(RD_KAFKA_OFFSET_END)

    /// Reads exactly these partitions from these offsets (no group rebalancing); use
    /// ``beginning`` for the first stored message.
    /// - Throws: ``KafkaError/consumer(_:)`` (operation `assign`).
    public func assign(_ partitions: [(topic: String, partition: Int32, offset: Int64)]) throws {
        try calls.enter(.assign) { handle in
            let list = PartitionList.make(partitions.map { (KafkaTopicPartition(topic: $0.topic, partition: $0.partition), $0.offset) })
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let error = rd_kafka_assign(handle, list)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.consumer(KafkaConsumerError(.assign, error)) }
        }
    }

    // MARK: Commits

    /// Commits `message` as processed (its offset + 1), synchronously.
    /// - Throws: ``KafkaError/authorization(_:)`` when the group (or the topic) is not
    ///   allowed, naming the IAM action; ``KafkaError/consumer(_:)`` otherwise.
    public func commit(_ message: KafkaConsumerMessage) throws {
        try commit([KafkaTopicPartition(topic: message.topic, partition: message.partition): message.offset + 1])
    }

    /// Commits these offsets — each the offset of the next message to read — synchronously;
    /// with none given, the offsets stored (``store(_:)`` and the automatic mode) for the
    /// partitions assigned now.
    /// - Throws: as ``commit(_:)-(KafkaConsumerMessage)``. Nothing stored to commit is not an error.
    public func commit(_ offsets: [KafkaTopicPartition: Int64] = [:]) throws {
        try calls.enter(.commit) { handle in
            let list = offsets.isEmpty ? nil : PartitionList.make(offsets.map { ($0.key, $0.value) })
            defer { list.map { rd_kafka_topic_partition_list_destroy($0) } }
            let error = rd_kafka_commit(handle, list, 0)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR || (list == nil && error == RD_KAFKA_RESP_ERR__NO_OFFSET) else {
                throw Self.commitError(error, topic: offsets.keys.first?.topic)
            }
        }
    }

    /// Commits `message` as processed without waiting; `completion` gets the broker's answer
    /// (on librdkafka's background thread: keep it short). Commits complete in the order made.
    public func commit(_ message: KafkaConsumerMessage, completion: @escaping @Sendable (Result<Void, KafkaError>) -> Void) {
        commit([KafkaTopicPartition(topic: message.topic, partition: message.partition): message.offset + 1], completion: completion)
    }

    /// Commits these offsets (each the offset of the next message to read) without waiting;
    /// `completion` gets the broker's answer, as ``commit(_:completion:)-(KafkaConsumerMessage,_)``.
    public func commit(_ offsets: [KafkaTopicPartition: Int64], completion: @escaping @Sendable (Result<Void, KafkaError>) -> Void) {
        guard let id = commits.add(completion) else {
            completion(.failure(.consumer(KafkaConsumerError(.commit, RD_KAFKA_RESP_ERR__DESTROY))))
            return
        }
        let refused: KafkaError? = Self.outcome(.commit) {
            try calls.enter(.commit) { handle in
                let list = PartitionList.make(offsets.map { ($0.key, $0.value) })
                defer { rd_kafka_topic_partition_list_destroy(list) }
                let error = rd_kafka_commit_queue(handle, list, backgroundQueue(), commitCompletionCallback, UnsafeMutableRawPointer(bitPattern: id))
                guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw Self.commitError(error, topic: offsets.keys.first?.topic) }
            }
        }
        if let refused, let completion = commits.take(id) { completion(.failure(refused)) }
    }

    /// Commits `message` as processed and waits for the broker's answer without blocking a
    /// thread.
    /// - Throws: as ``commit(_:)-(KafkaConsumerMessage)``.
    public func commitAsync(_ message: KafkaConsumerMessage) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            commit(message) { continuation.resume(with: $0.mapError { $0 as any Error }) }
        }
    }

    /// Stores `message` as processed (its offset + 1) for the next commit: librdkafka's own,
    /// every interval of ``KafkaCommitMode/storedOffsets(interval:)``, on revocation and on
    /// close, or ``commit(_:)-([KafkaTopicPartition:Int64])`` with no offsets. A local call.
    /// - Throws: ``KafkaError/consumer(_:)`` (operation `store`), e.g. `_STATE` when the
    ///   partition is no longer assigned, or `_INVALID_ARG` in the manual commit mode.
    public func store(_ message: KafkaConsumerMessage) throws {
        try calls.enter(.store) { handle in
            if let failure = Self.store(message, handle: handle) { throw KafkaError.consumer(failure) }
        }
    }

    private static func store(_ message: KafkaConsumerMessage, handle: OpaquePointer) -> KafkaConsumerError? {
        let list = PartitionList.make([(KafkaTopicPartition(topic: message.topic, partition: message.partition), message.offset + 1)])
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let error = rd_kafka_offsets_store(handle, list)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { return KafkaConsumerError(.store, error) }
        return PartitionList.firstError(list, .store)
    }

    /// The result of a commit, from librdkafka's answer (its own error, else the first
    /// partition's).
    static func commitResult(_ error: rd_kafka_resp_err_t, _ list: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> Result<Void, KafkaError> {
        let entries = PartitionList.entries(list)
        if error != RD_KAFKA_RESP_ERR_NO_ERROR { return .failure(commitError(error, topic: entries.first?.partition.topic)) }
        if let failed = entries.first(where: { $0.error != RD_KAFKA_RESP_ERR_NO_ERROR }) {
            return .failure(commitError(failed.error, topic: failed.partition.topic, partition: failed.partition))
        }
        return .success(())
    }

    private static func commitError(_ error: rd_kafka_resp_err_t, topic: String?, partition: KafkaTopicPartition? = nil) -> KafkaError {
        if let denied = KafkaAuthorizationFailure(code: error.rawValue, topic: topic, idempotentProducer: false, consumer: true) {
            return .authorization(denied)
        }
        return .consumer(KafkaConsumerError(.commit, error, partition: partition))
    }

    /// librdkafka's background queue, where asynchronous commits report: taken at the first
    /// one, given back by the client when it is destroyed.
    private func backgroundQueue() -> OpaquePointer? {
        client.backgroundQueue.withLock { queue in
            if queue == nil, let taken = rd_kafka_queue_get_background(client.handle.raw) { queue = RdKafkaPointer(taken) }
            return queue
        }?.raw
    }

    private static func outcome(_ operation: KafkaConsumerError.Operation, _ body: () throws -> Void) -> KafkaError? {
        do {
            try body()
            return nil
        } catch let error as KafkaError {
            return error
        } catch {
            return .consumer(KafkaConsumerError(operation, RD_KAFKA_RESP_ERR__FAIL))
        }
    }

    // MARK: Positions

    /// The committed offsets of these partitions (each the offset of the next message to read);
    /// partitions without one are left out. Asks the group coordinator: blocks up to `timeout`.
    /// - Throws: ``KafkaError/consumer(_:)`` (operation `committed`).
    public func committed(_ partitions: [KafkaTopicPartition], timeout: Duration = .seconds(10)) throws -> [KafkaTopicPartition: Int64] {
        try calls.enter(.committed) { handle in
            let list = PartitionList.make(partitions.map { ($0, nil) })
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let error = rd_kafka_committed(handle, list, Int32(clamping: timeout.milliseconds))
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.consumer(KafkaConsumerError(.committed, error)) }
            if let failure = PartitionList.firstError(list, .committed) { throw KafkaError.consumer(failure) }
            return Self.validOffsets(list)
        }
    }

    /// The application's position in these partitions: the offset of the next message it will
    /// be handed (not counting what the consumer has read ahead). Partitions without one (nothing
    /// read yet) are left out. Local.
    /// - Throws: ``KafkaError/consumer(_:)`` (operation `position`).
    public func position(_ partitions: [KafkaTopicPartition]) throws -> [KafkaTopicPartition: Int64] {
        try calls.enter(.position) { handle in
            let list = PartitionList.make(partitions.map { ($0, nil) })
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let error = rd_kafka_position(handle, list)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.consumer(KafkaConsumerError(.position, error)) }
            var positions = Self.validOffsets(list)
            for partition in partitions { if let position = group.tracker.position(partition) { positions[partition] = position } }
            return positions
        }
    }

    private static func validOffsets(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [KafkaTopicPartition: Int64] {
        var offsets: [KafkaTopicPartition: Int64] = [:]
        for entry in PartitionList.entries(list) where entry.error == RD_KAFKA_RESP_ERR_NO_ERROR && entry.offset >= 0 { offsets[entry.partition] = entry.offset }
        return offsets
    }

    // MARK: Flow control

    /// Stops handing over and fetching messages of these (assigned) partitions; messages read
    /// ahead from them are set aside and read again on ``resume(_:timeout:)``.
    /// - Throws: ``KafkaError/consumer(_:)`` (operation `pause`) naming the partition refused.
    public func pause(_ partitions: [KafkaTopicPartition]) throws {
        try calls.enter(.pause) { handle in
            group.gate.wait()
            defer { group.gate.signal() }
            group.tracker.pause(partitions)
            let list = PartitionList.make(partitions.map { ($0, nil) })
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let error = rd_kafka_pause_partitions(handle, list)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.consumer(KafkaConsumerError(.pause, error)) }
            if let failure = PartitionList.firstError(list, .pause) { throw KafkaError.consumer(failure) }
        }
    }

    /// Hands over and fetches messages of these paused partitions again, from the first one
    /// the application was not handed.
    /// - Throws: ``KafkaError/consumer(_:)`` (operation `resume`, or `seek` when the
    ///   partition could not be moved back to where the application was).
    public func resume(_ partitions: [KafkaTopicPartition], timeout: Duration = .seconds(10)) throws {
        try calls.enter(.resume) { handle in
            group.gate.wait()
            defer { group.gate.signal() }
            let positions = group.tracker.takeResumePositions(partitions)
            if !positions.isEmpty { try Self.seek(handle, positions, timeout: timeout) }
            let list = PartitionList.make(partitions.map { ($0, nil) })
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let error = rd_kafka_resume_partitions(handle, list)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.consumer(KafkaConsumerError(.resume, error)) }
            if let failure = PartitionList.firstError(list, .resume) { throw KafkaError.consumer(failure) }
        }
    }

    /// Moves these (assigned) partitions to these offsets (``beginning``, ``end`` or an
    /// offset): the next message handed over from each is the one at its offset; messages read
    /// ahead are dropped. Waits up to `timeout` for librdkafka.
    /// - Throws: ``KafkaError/consumer(_:)`` (operation `seek`) naming the partition refused.
    public func seek(_ offsets: [KafkaTopicPartition: Int64], timeout: Duration = .seconds(10)) throws {
        try calls.enter(.seek) { handle in
            group.gate.wait()
            defer { group.gate.signal() }
            group.tracker.restart(Array(offsets.keys))
            try Self.seek(handle, offsets, timeout: timeout)
        }
    }

    private static func seek(_ handle: OpaquePointer, _ offsets: [KafkaTopicPartition: Int64], timeout: Duration) throws {
        let list = PartitionList.make(offsets.map { ($0.key, $0.value) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        if let error = rd_kafka_seek_partitions(handle, list, Int32(clamping: max(1, timeout.milliseconds))) {
            throw KafkaError.consumer(KafkaConsumerError(.seek, consuming: error))
        }
        if let failure = PartitionList.firstError(list, .seek) { throw KafkaError.consumer(failure) }
    }

    // MARK: Closing

    /// Leaves the group (``KafkaCommitMode/automatic(interval:)`` and
    /// ``KafkaCommitMode/storedOffsets(interval:)`` commit what was stored first), stops
    /// reading and releases librdkafka. Blocks until done (up to about the session timeout).
    /// Revocations no longer wait for the application. Safe to call more than once.
    public func close() {
        group.startClosing()
        guard calls.close() else { return }
        _ = reader.stop()
        _ = rd_kafka_consumer_close(client.handle.raw)
        group.finish()
        context.statistics.finish()
        client.destroy()
        // Whatever asynchronous commit librdkafka did not answer before it went.
        commits.close()
    }

    /// ServiceLifecycle: runs until a graceful shutdown (or cancellation), then leaves the
    /// group and closes (``close()``, on a thread of its own).
    public func run() async throws {
        try? await gracefulShutdown()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread { [self] in
                close()
                continuation.resume()
            }.start()
        }
    }

    /// The reader: a thread of its own, so a blocking poll never holds a Swift concurrency thread.
    private func startReader() {
        let client = self.client
        let continuation = self.continuation
        let logger = self.logger
        let reader = self.reader
        let window = self.window
        let group = self.group
        // The thread holds only what it needs, never the consumer itself, so that releasing
        // the consumer (whose deinit waits for this thread) can never happen on this thread.
        Thread {
            RdKafkaClient.nameCurrentThread("msk-kafka-read")
            while reader.isRunning {
                // A place for the next message first: while the application is behind, nothing
                // is taken from librdkafka (and nothing has to be dropped).
                guard window.acquire(timeoutMs: 100) else { continue }
                // Held while polling (rebalance callbacks run inside) and stamping.
                group.gate.wait()
                guard let raw = rd_kafka_consumer_poll(client.handle.raw, 100) else {
                    group.gate.signal()
                    window.release()
                    continue
                }
                defer { rd_kafka_message_destroy(raw) }
                let message = raw.pointee
                guard message.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    group.gate.signal()
                    window.release()
                    let topic = message.rkt.map { String(cString: rd_kafka_topic_name($0)) }
                    if let denied = KafkaAuthorizationFailure(code: message.err.rawValue, topic: topic, idempotentProducer: false, consumer: true) {
                        // Final until the policy changes: said as an error, with what is missing.
                        logger.error("consumer not authorized", metadata: ["error": "\(denied)"])
                    } else {
                        logger.warning("consumer error", metadata: ["code": "\(String(cString: rd_kafka_err2name(message.err)))"])
                    }
                    continue
                }
                let copy = Self.copy(raw)
                let epoch = group.tracker.stamp(KafkaTopicPartition(topic: copy.topic, partition: copy.partition), offset: copy.offset)
                continuation.yield(.message(copy, epoch: epoch))
                group.gate.signal()
            }
            reader.finished.signal()
        }.start()
    }

    private static func copy(_ raw: UnsafeMutablePointer<rd_kafka_message_t>) -> KafkaConsumerMessage {
        let message = raw.pointee
        let topic = RdKafkaMessageCopy.topic(raw)
        let value = RdKafkaMessageCopy.value(raw)
        let key = RdKafkaMessageCopy.key(raw)
        let headers = RdKafkaMessageCopy.headers(raw)
        return KafkaConsumerMessage(topic: topic, partition: message.partition, offset: message.offset, key: key, value: value, headers: headers,
                                    timestampMs: RdKafkaMessageCopy.timestampMs(raw))
    }
}

/// Calls into the consumer's handle, until it is closed (then they fail with `_DESTROY`):
/// ``KafkaConsumer/close()`` waits for those inside before it destroys the handle.
private final class ConsumerCalls: Sendable {
    private let gate = CallGate()
    private let client: RdKafkaClient

    init(client: RdKafkaClient) {
        self.client = client
    }

    func enter<Value>(_ operation: KafkaConsumerError.Operation, _ body: (OpaquePointer) throws -> Value) throws -> Value {
        let result: Result<Value, any Error> = gate.enter { isOpen in
            guard isOpen else { return .failure(KafkaError.consumer(KafkaConsumerError(operation, RD_KAFKA_RESP_ERR__DESTROY))) }
            return Result { try body(client.handle.raw) }
        }
        return try result.get()
    }

    /// Closes; false if it was closed already.
    func close() -> Bool { gate.close() }
}

/// Tells the reader thread when to stop, and the closer when it has.
private final class ReaderControl: Sendable {
    private let running = Mutex(true)
    let finished = DispatchSemaphore(value: 0)

    var isRunning: Bool { running.withLock { $0 } }

    /// Stops the reader and waits for it; `false` if it was already stopped.
    func stop() -> Bool {
        let wasRunning = running.withLock { state -> Bool in
            defer { state = false }
            return state
        }
        if wasRunning { finished.wait() }
        return wasRunning
    }
}
