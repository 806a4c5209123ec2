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
    /// Decoded statistics documents, every ``KafkaConnectionConfiguration/statisticsInterval``.
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
    /// Set when a tracer is configured; `nil` costs the reader one check per message.
    private let tracing: ConsumerTracing?
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
        tracing = configuration.tracing.resolved.map { ConsumerTracing(tracer: $0, clientID: configuration.clientID, groupID: configuration.groupID) }
        let counters = KafkaClientCounters(clientID: configuration.clientID)
        self.counters = counters
        let refresher = configuration.authentication.tokenSource.map { OAuthBearerTokenRefresher(source: $0, logger: logger, counters: counters) }
        // Unbounded here: the read-ahead window is what bounds it, and it waits rather than drops.
        let (stream, continuation) = AsyncStream.makeStream(of: ConsumerElement.self, bufferingPolicy: .unbounded)
        self.continuation = continuation
        group = ConsumerGroupState(continuation: continuation, acknowledgementTimeout: configuration.revokeAcknowledgementTimeout, logger: logger)
        context = KafkaCallbackContext(refresher: refresher, statistics: StatisticsHandler(counters: counters, logger: logger), logger: logger, counters: counters,
                                       consumerGroup: group, commitCompletions: commits)
        client = try RdKafkaClient(.consumer, properties: configuration.librdkafkaProperties, context: context, statistics: configuration.statisticsInterval != nil)
        let calls = ConsumerCalls(client: client)
        self.calls = calls
        callerIdentityLogged = CallerIdentityLog.start(enabled: configuration.logCallerIdentity, authentication: configuration.authentication, logger: logger)
        // One queue for everything: errors, statistics, rebalances and messages are all served by our reader.
        client.serveEverythingFromTheConsumerQueue()
        let storesOnNext = if case .automatic = configuration.commitMode { true } else { false }
        delivery = ConsumerDelivery(stream: stream, window: window, group: group) { message in
            // Partitions revoked meanwhile refuse it (_STATE): their offsets were committed.
            guard storesOnNext else { return }
            _ = try? calls.enter(.store) { Self.store(message, on: $0) }
        }
        startReader()
    }

    deinit { close() }

    /// Joins the group and subscribes to `topics`; the group's rebalances appear on ``events``.
    /// - Throws: ``KafkaError/consumer(_:)`` (operation `subscribe`).
    public func subscribe(topics: [String]) throws {
        try calls.enter(.subscribe) { client throws(KafkaError) in try client.subscribe(topics) }
    }

    /// The `offset` that means "from the first message still stored" in ``assign(_:)`` and
    /// ``seek(_:timeout:)``.
    public static let beginning: Int64 = RdKafkaClient.beginningOffset
    /// The `offset` that means "from the next message written" in ``assign(_:)`` and ``seek(_:timeout:)``.
    public static let end: Int64 = RdKafkaClient.endOffset

    /// Reads exactly these partitions from these offsets (no group rebalancing); use
    /// ``beginning`` for the first stored message.
    /// - Throws: ``KafkaError/consumer(_:)`` (operation `assign`).
    public func assign(_ partitions: [(topic: String, partition: Int32, offset: Int64)]) throws {
        try calls.enter(.assign) { client throws(KafkaError) in
            try client.assign(partitions.map { (KafkaTopicPartition(topic: $0.topic, partition: $0.partition), $0.offset) })
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
        try calls.enter(.commit) { client throws(KafkaError) in try client.commit(offsets) }
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
            completion(.failure(.consumer(.closed(.commit))))
            return
        }
        do {
            try calls.enter(.commit) { client throws(KafkaError) in try client.commit(offsets, completionID: id) }
        } catch {
            // Refused at once: no answer will come.
            commits.take(id)?(.failure(error))
        }
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
        try calls.enter(.store) { client throws(KafkaError) in
            if let failure = Self.store(message, on: client) { throw .consumer(failure) }
        }
    }

    private static func store(_ message: KafkaConsumerMessage, on client: RdKafkaClient) -> KafkaConsumerError? {
        client.store(KafkaTopicPartition(topic: message.topic, partition: message.partition), offset: message.offset + 1)
    }

    // MARK: Positions

    /// The committed offsets of these partitions (each the offset of the next message to read);
    /// partitions without one are left out. Asks the group coordinator: blocks up to `timeout`.
    /// - Throws: ``KafkaError/consumer(_:)`` (operation `committed`).
    public func committed(_ partitions: [KafkaTopicPartition], timeout: Duration = .seconds(10)) throws -> [KafkaTopicPartition: Int64] {
        try calls.enter(.committed) { client throws(KafkaError) in try client.committed(partitions, timeout: timeout) }
    }

    /// The application's position in these partitions: the offset of the next message it will
    /// be handed (not counting what the consumer has read ahead). Partitions without one (nothing
    /// read yet) are left out. Local.
    /// - Throws: ``KafkaError/consumer(_:)`` (operation `position`).
    public func position(_ partitions: [KafkaTopicPartition]) throws -> [KafkaTopicPartition: Int64] {
        try calls.enter(.position) { client throws(KafkaError) in
            var positions = try client.positions(partitions)
            for partition in partitions { if let position = group.tracker.position(partition) { positions[partition] = position } }
            return positions
        }
    }

    // MARK: Flow control

    /// Stops handing over and fetching messages of these (assigned) partitions; messages read
    /// ahead from them are set aside and read again on ``resume(_:timeout:)``.
    /// - Throws: ``KafkaError/consumer(_:)`` (operation `pause`) naming the partition refused.
    public func pause(_ partitions: [KafkaTopicPartition]) throws {
        try calls.enter(.pause) { client throws(KafkaError) in
            group.gate.wait()
            defer { group.gate.signal() }
            group.tracker.pause(partitions)
            try client.pause(partitions)
        }
    }

    /// Hands over and fetches messages of these paused partitions again, from the first one
    /// the application was not handed.
    /// - Throws: ``KafkaError/consumer(_:)`` (operation `resume`, or `seek` when the
    ///   partition could not be moved back to where the application was).
    public func resume(_ partitions: [KafkaTopicPartition], timeout: Duration = .seconds(10)) throws {
        try calls.enter(.resume) { client throws(KafkaError) in
            group.gate.wait()
            defer { group.gate.signal() }
            let positions = group.tracker.takeResumePositions(partitions)
            if !positions.isEmpty { try client.seek(positions, timeout: timeout) }
            try client.resume(partitions)
        }
    }

    /// Moves these (assigned) partitions to these offsets (``beginning``, ``end`` or an
    /// offset): the next message handed over from each is the one at its offset; messages read
    /// ahead are dropped. Waits up to `timeout` for librdkafka.
    /// - Throws: ``KafkaError/consumer(_:)`` (operation `seek`) naming the partition refused.
    public func seek(_ offsets: [KafkaTopicPartition: Int64], timeout: Duration = .seconds(10)) throws {
        try calls.enter(.seek) { client throws(KafkaError) in
            group.gate.wait()
            defer { group.gate.signal() }
            group.tracker.restart(Array(offsets.keys))
            try client.seek(offsets, timeout: timeout)
        }
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
        client.closeConsumer()
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
        let tracing = self.tracing
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
                switch client.nextMessage(timeoutMs: 100) {
                case .message(var message):
                    tracing?.received(&message)
                    let epoch = group.tracker.stamp(KafkaTopicPartition(topic: message.topic, partition: message.partition), offset: message.offset)
                    continuation.yield(.message(message, epoch: epoch))
                    group.gate.signal()
                case .failed(let code, let name, let topic):
                    group.gate.signal()
                    window.release()
                    if let denied = KafkaAuthorizationFailure(code: code, topic: topic, idempotentProducer: false, consumer: true) {
                        // Final until the policy changes: said as an error, with what is missing.
                        logger.error("consumer not authorized", metadata: ["error": "\(denied)"])
                    } else {
                        logger.warning("consumer error", metadata: ["code": "\(name)"])
                    }
                case nil:
                    group.gate.signal()
                    window.release()
                }
            }
            reader.finished.signal()
        }.start()
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

    func enter<Value>(_ operation: KafkaConsumerError.Operation, _ body: (RdKafkaClient) throws(KafkaError) -> Value) throws(KafkaError) -> Value {
        let result: Result<Value, KafkaError> = gate.enter { isOpen in
            guard isOpen else { return .failure(.consumer(.closed(operation))) }
            return Result { () throws(KafkaError) in try body(client) }
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
