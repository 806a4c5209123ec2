import CRdKafka
import Foundation
import Logging
import Synchronization

/// A Kafka consumer over librdkafka: subscribe or assign, read ``messages`` as an
/// `AsyncSequence`, commit after processing. IAM authentication works as for the producer.
public final class KafkaConsumer: Sendable {
    /// The configuration it was made with.
    public let configuration: KafkaConsumerConfiguration
    /// The library's counters.
    public let counters: KafkaClientCounters
    /// Every message, in order per partition. Ends when the consumer is closed. A slow reader
    /// makes the consumer fetch less; no message is ever dropped for it.
    public let messages: KafkaConsumerMessages
    /// How many messages the consumer reads ahead of the application, at most.
    public static let readAhead = 10_000
    /// Decoded statistics documents, every ``KafkaConsumerConfiguration/statisticsInterval``.
    public var statistics: AsyncStream<KafkaStatistics> { context.statistics.stream }

    private let created: RdKafkaHandle.Created
    private let context: KafkaCallbackContext
    private let continuation: AsyncStream<KafkaConsumerMessage>.Continuation
    private let window = ReadAheadWindow(size: KafkaConsumer.readAhead)
    private let reader = ReaderControl()
    private let logger: Logger
    /// The `logCallerIdentity` lookup, while it runs (`nil` when off).
    let callerIdentityLogged: Task<Void, Never>?

    private var handle: OpaquePointer { OpaquePointer(bitPattern: created.handleBits)! }

    /// Messages read from librdkafka and not yet taken by the application (about: the reader
    /// holds one more place while it polls).
    var messagesReadAhead: Int { window.inUse }

    /// Creates the consumer; nothing is read until ``subscribe(topics:)`` or ``assign(_:)``.
    public init(configuration: KafkaConsumerConfiguration, logger: Logger = Logger(label: "swift-msk-kafka.consumer")) throws {
        self.configuration = configuration
        self.logger = logger
        let counters = KafkaClientCounters(clientID: configuration.clientID)
        self.counters = counters
        let refresher = configuration.authentication.tokenSource.map { OAuthBearerTokenRefresher(source: $0, logger: logger, counters: counters) }
        context = KafkaCallbackContext(delivery: nil, refresher: refresher, statistics: StatisticsHandler(counters: counters, logger: logger), logger: logger, counters: counters)
        created = try RdKafkaHandle.make(RD_KAFKA_CONSUMER, properties: configuration.librdkafkaProperties, context: context, statistics: configuration.statisticsInterval != nil)
        callerIdentityLogged = CallerIdentityLog.start(enabled: configuration.logCallerIdentity, authentication: configuration.authentication, logger: logger)
        // One queue for everything: errors, statistics and messages are all served by our reader.
        rd_kafka_poll_set_consumer(OpaquePointer(bitPattern: created.handleBits)!)
        // Unbounded here: the read-ahead window is what bounds it, and it waits rather than drops.
        let (stream, continuation) = AsyncStream.makeStream(of: KafkaConsumerMessage.self, bufferingPolicy: .unbounded)
        self.continuation = continuation
        messages = KafkaConsumerMessages(stream: stream, window: window)
        startReader()
    }

    deinit { close() }

    /// Joins the group and subscribes to `topics`.
    public func subscribe(topics: [String]) throws {
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics { rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA) }
        let error = rd_kafka_subscribe(handle, list)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.delivery(code: error.rawValue, name: String(cString: rd_kafka_err2name(error)), reason: String(cString: rd_kafka_err2str(error))) }
    }

    /// The `offset` that means "from the first message still stored" in ``assign(_:)``.
    public static let beginning: Int64 = Int64(RD_KAFKA_OFFSET_BEGINNING)

    /// Reads exactly these partitions from these offsets (no group rebalancing); use
    /// ``beginning`` for the first stored message.
    public func assign(_ partitions: [(topic: String, partition: Int32, offset: Int64)]) throws {
        let list = rd_kafka_topic_partition_list_new(Int32(partitions.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for entry in partitions { rd_kafka_topic_partition_list_add(list, entry.topic, entry.partition)?.pointee.offset = entry.offset }
        let error = rd_kafka_assign(handle, list)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.delivery(code: error.rawValue, name: String(cString: rd_kafka_err2name(error)), reason: String(cString: rd_kafka_err2str(error))) }
    }

    /// Commits `message` as processed (its offset + 1), synchronously.
    /// - Throws: ``KafkaError/authorization(_:)`` when the group (or the topic) is not
    ///   allowed, naming the IAM action; ``KafkaError/delivery(code:name:reason:)`` otherwise.
    public func commit(_ message: KafkaConsumerMessage) throws {
        let list = rd_kafka_topic_partition_list_new(1)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        rd_kafka_topic_partition_list_add(list, message.topic, message.partition)?.pointee.offset = message.offset + 1
        let error = rd_kafka_commit(handle, list, 0)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            if let denied = KafkaAuthorizationFailure(code: error.rawValue, topic: message.topic, idempotentProducer: false, consumer: true) {
                throw KafkaError.authorization(denied)
            }
            throw KafkaError.delivery(code: error.rawValue, name: String(cString: rd_kafka_err2name(error)), reason: String(cString: rd_kafka_err2str(error)))
        }
    }

    /// Leaves the group, stops reading and releases librdkafka. Safe to call more than once.
    public func close() {
        guard reader.stop() else { return }
        context.refresher?.detach()
        _ = rd_kafka_consumer_close(handle)
        continuation.finish()
        context.statistics.finish()
        RdKafkaHandle.destroy(created)
    }

    /// The reader: a thread of its own, so a blocking poll never holds a Swift concurrency thread.
    private func startReader() {
        let handleBits = created.handleBits
        let continuation = self.continuation
        let logger = self.logger
        let reader = self.reader
        let window = self.window
        // The thread holds only what it needs, never the consumer itself, so that releasing
        // the consumer (whose deinit waits for this thread) can never happen on this thread.
        Thread {
            crdkafka_name_this_thread("msk-kafka-read")
            while reader.isRunning {
                // A place for the next message first: while the application is behind, nothing
                // is taken from librdkafka (and nothing has to be dropped).
                guard window.acquire(timeoutMs: 100) else { continue }
                guard let handle = OpaquePointer(bitPattern: handleBits), let raw = rd_kafka_consumer_poll(handle, 100) else {
                    window.release()
                    continue
                }
                defer { rd_kafka_message_destroy(raw) }
                let message = raw.pointee
                guard message.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
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
                continuation.yield(Self.copy(raw))
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
