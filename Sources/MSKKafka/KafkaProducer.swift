import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// A Kafka producer over librdkafka that keeps every message it accepts until it is delivered
/// or reported failed.
///
/// ```swift
/// let producer = try KafkaProducer(configuration: .msk(bootstrapServers: ["b-1.example:9098"], region: "eu-west-1"))
/// let report = try await producer.send(KafkaProducerMessage(topic: "events", key: "user-1", value: "hello"))
/// await producer.shutdown()
/// ```
///
/// Delivery reports, errors and statistics are served by a thread of its own; with IAM,
/// OAUTHBEARER tokens are refreshed in the background (see ``KafkaAuthentication/mskIAM(region:credentials:expiresIn:stsEndpoint:)``).
/// Call ``shutdown(timeout:)`` (or run it as a ServiceLifecycle `Service`) before dropping it.
public final class KafkaProducer: Service, Sendable {
    /// The configuration it was made with.
    public let configuration: KafkaProducerConfiguration
    /// The library's counters (also exported through swift-metrics).
    public let counters: KafkaClientCounters
    /// Outcomes of messages sent with ``enqueue(_:)``, in the order they are known: delivery
    /// reports in batches (up to 1,024 per event, from one serve of librdkafka's queue; none when
    /// ``KafkaProducerConfiguration/DeliveryPolicy/reportsDeliveries`` is off), final failures
    /// one by one. Keeps up to ``maxUnreadEventBytes`` of events nobody has read; events beyond
    /// that are counted (``KafkaClientCounters/eventsDropped``) and not kept, and the messages
    /// themselves are never dropped.
    public var events: KafkaProducerEvents { delivery.events.events }

    /// How much the unread ``events`` may hold, in approximate bytes (32 per delivery report, a
    /// failed message's size per failure): 64 MiB, some two million delivery reports.
    public static let maxUnreadEventBytes = 64 << 20

    /// Decoded statistics documents, when ``KafkaConnectionConfiguration/statisticsInterval`` is set.
    public var statistics: AsyncStream<KafkaStatistics> { context.statistics.stream }

    private let client: RdKafkaClient
    private let context: KafkaCallbackContext
    let delivery: DeliveryHandler
    /// Hands messages to librdkafka. Shutdown closes it and waits for the calls inside before
    /// destroying the handle; a call that comes later fails with `.shutDown`.
    let submitter: ProducerSubmitter
    let buffer: ProducerBuffer
    /// Keys held back under ``KafkaProducerConfiguration/Ordering/perKey``; nil otherwise, and
    /// then the produce paths look nothing up.
    private let keyOrder: KeyOrderLanes?
    /// ``keyOrder``'s held count, read per message without retaining it.
    private let keyOrderProbe: KeyOrderProbe
    private let topics: ProducerTopics
    private let poller: PollThread
    private let logger: Logger
    /// Set when a tracer is configured (``KafkaTracing``); `nil` costs each message one check.
    let tracing: ProducerTracing?
    /// The `logCallerIdentity` lookup, while it runs (`nil` when off).
    let callerIdentityLogged: Task<Void, Never>?
    private let lifecycle = Mutex(Lifecycle.running)

    private enum Lifecycle { case running, shuttingDown, shutDown }

    /// Creates the producer and connects in the background.
    /// - Throws: ``KafkaError/invalidConfiguration(property:reason:)`` with librdkafka's own
    ///   text, or ``KafkaError/clientCreation(reason:)``.
    public convenience init(configuration: KafkaProducerConfiguration, logger: Logger = Logger(label: "swift-msk-kafka.producer")) throws {
        try self.init(configuration: configuration, logger: logger, topicHandleLimit: ProducerTopics.defaultLimit)
    }

    /// With `topicHandleLimit`, the topics it keeps a librdkafka handle for (tests lower it to
    /// reach the topics past it).
    init(configuration: KafkaProducerConfiguration, logger: Logger, topicHandleLimit: Int) throws {
        self.configuration = configuration
        self.logger = logger
        tracing = configuration.tracing.resolved.map { ProducerTracing(tracer: $0, clientID: configuration.clientID) }
        let counters = KafkaClientCounters(clientID: configuration.clientID)
        self.counters = counters
        let policy = configuration.delivery
        buffer = ProducerBuffer(maxMessages: policy.maxBufferedMessages, maxBytes: policy.maxBufferedBytes, backpressure: policy.backpressure)
        let refresher = configuration.authentication.tokenSource.map { OAuthBearerTokenRefresher(source: $0, logger: logger, counters: counters) }
        let fatal = KafkaFatalState(idempotentProducer: configuration.idempotence)
        context = KafkaCallbackContext(
            refresher: refresher,
            statistics: StatisticsHandler(counters: counters, logger: logger, bufferDepth: { [buffer] in buffer.depth }),
            logger: logger, counters: counters, fatal: fatal
        )
        client = try RdKafkaClient(.producer, properties: configuration.librdkafkaProperties, context: context, statistics: configuration.statisticsInterval != nil)
        let topics = ProducerTopics(client: client, limit: topicHandleLimit)
        self.topics = topics
        let events = ProducerEventSink(buffer: buffer, counters: counters, topics: topics, maxUnreadBytes: Self.maxUnreadEventBytes, reportsDeliveries: policy.reportsDeliveries)
        let memoryRelease = policy.releaseMemoryAfterBacklog.map { BacklogMemoryRelease(threshold: $0) }
        poller = PollThread(client: client, name: "msk-kafka-poll") { [buffer] in
            events.flush()
            memoryRelease?.observe(depth: buffer.depth.messages)
        }
        submitter = ProducerSubmitter(client: client, topics: topics, poller: poller)
        let keyOrder = policy.ordering == .perKey ? KeyOrderLanes() : nil
        self.keyOrder = keyOrder
        keyOrderProbe = KeyOrderProbe(keyOrder)
        delivery = DeliveryHandler(policy: policy, buffer: buffer, events: events, counters: counters, logger: logger, fatal: fatal, submitter: submitter,
                                   keyOrder: keyOrder)
        // Before anything is produced: no delivery report can come sooner.
        context.deliverReports(to: delivery)
        // Once the handle exists: a configuration librdkafka refuses asks nothing.
        callerIdentityLogged = CallerIdentityLog.start(enabled: configuration.logCallerIdentity, authentication: configuration.authentication, logger: logger)
    }

    deinit {
        // The last reference may go inside a librdkafka callback (a completion handler that
        // captured the producer, on the poll thread): the teardown then runs on a thread of its own.
        guard closeGates() else { return }
        teardown.runOffCallbackThread()
    }

    /// Messages and bytes in the local buffer (accepted, not yet delivered or failed).
    public var bufferDepth: (messages: Int, bytes: Int) { buffer.depth }

    /// Keys held back under ``KafkaProducerConfiguration/Ordering/perKey`` now.
    var heldKeys: Int { keyOrder?.heldKeys ?? 0 }

    /// Callers of `send`/`enqueue` suspended until the full buffer has room (``DeliveryPolicy/Backpressure/suspend``).
    var callersWaitingForRoom: Int { buffer.waitingCount }

    /// The OAUTHBEARER refresher, when IAM/OAUTHBEARER is configured.
    var tokenRefresher: OAuthBearerTokenRefresher? { context.refresher }

    /// Asks for a new OAUTHBEARER token at once (normally automatic).
    public func refreshToken() { context.refresher?.refreshNow(reason: "requested by the application") }

    /// Sends `message` and returns where it was stored, retrying retriable failures as the
    /// ``KafkaProducerConfiguration/DeliveryPolicy`` says.
    /// - Throws: ``KafkaError`` — `bufferFull` (fail-fast policy), `retriesExhausted`,
    ///   `delivery` (non-retriable), `authorization` (never retried: the IAM action the
    ///   principal's policy lacks), `fatal` (the client can do nothing more), `shutDown`.
    ///
    /// Cancelling the calling task while it waits for room in the buffer ends the call with
    /// `CancellationError`, and the message was not accepted. Once the message is handed to
    /// librdkafka it cannot be taken back, so cancellation no longer matters: the call waits
    /// for the message's real outcome and returns it — a cancelled `send` never reports a
    /// message as not sent that may yet be stored.
    nonisolated(nonsending) public func send(_ message: KafkaProducerMessage) async throws -> KafkaDeliveryReport {
        let bytes = message.byteCount
        if !buffer.tryAcquire(bytes: bytes) { try await buffer.acquire(bytes: bytes) }
        // The continuation itself travels with the message (``DeliveryCompletion``): no
        // handler around it, and unchecked, as every outcome is reported exactly once.
        return try await withUnsafeThrowingContinuation { continuation in
            produceCompletionAttempt(message, bytes: bytes, completion: .continuation(continuation))
        }
    }

    /// Sends `message` without waiting for its delivery; its outcome arrives on ``events``.
    /// Suspends only while the buffer is full under the ``KafkaProducerConfiguration/Backpressure/suspend`` policy.
    ///
    /// The fastest way to send: nothing is allocated per message beyond librdkafka's own copy of
    /// the value — or, for a byte value of 512 bytes or more, one small object that keeps the
    /// value alive for librdkafka to read instead of a copy.
    @inlinable
    nonisolated(nonsending) public func enqueue(_ message: consuming KafkaProducerMessage) async throws {
        // Inlined into the caller, so that the common case — there is room — costs no async
        // call of its own (a task-allocator frame and a task switch check per message).
        // The message is moved in and on (`consuming`), and comes back only when there is no
        // room: kept in the caller's async frame across the call instead, it would be copied
        // there — a retain and a release of each of its arrays per message.
        guard let waiting = enqueueIfRoom(message) else { return }
        try await enqueueWhenRoom(waiting)
    }

    /// The common case of ``enqueue(_:)``: there is room now and nobody waits for it. Returns
    /// the message if there was no room.
    @usableFromInline
    func enqueueIfRoom(_ message: consuming KafkaProducerMessage) -> KafkaProducerMessage? {
        let bytes = message.byteCount
        guard buffer.tryAcquire(bytes: bytes) else { return message }
        produceEventAttempt(message, bytes: bytes)
        return nil
    }

    /// The rest of ``enqueue(_:)``: waits for room, or fails, as the backpressure policy says.
    @usableFromInline
    nonisolated(nonsending) func enqueueWhenRoom(_ message: KafkaProducerMessage) async throws {
        let bytes = message.byteCount
        try await buffer.acquire(bytes: bytes)
        produceEventAttempt(message, bytes: bytes)
    }

    private func produceEventAttempt(_ message: KafkaProducerMessage, bytes: Int) {
        if let tracing { return submitEventAttempt(tracing.handOver(message), bytes: bytes) }
        submitEventAttempt(message, bytes: bytes)
    }

    private func submitEventAttempt(_ message: KafkaProducerMessage, bytes: Int) {
        guard let tag = eventAttempt(message, bytes: bytes) else { return }
        submitter.submit(tag, message, failingTo: delivery)
    }

    /// The first attempt of `message` on the event path, or nil if per-key order holds it back
    /// (it then goes when its key is released).
    func eventAttempt(_ message: borrowing KafkaProducerMessage, bytes: Int) -> DeliveryTag? {
        if keyOrderProbe.isHolding, let keyOrder, keyOrder.hold(copy message, byteCount: bytes, target: .events) { return nil }
        if message.timestamp != nil {
            return .pending(PendingMessage(message: copy message, attempt: 1, byteCount: bytes, target: .events))
        }
        return .firstEventAttempt(byteCount: bytes, explicitPartition: message.partition != nil, heldValue: message.heldValueCandidate)
    }

    /// ``eventAttempt(_:bytes:)`` of the message at `message`, in a batch's buffer, read field
    /// by field: passed on as a value, a message read through a pointer is copied whole first
    /// (a retain and a release of each of its arrays), for every message of every batch. The
    /// rare attempts that keep a copy (a held key, a timestamp) go the value's way.
    func eventAttempt(at message: UnsafePointer<KafkaProducerMessage>, bytes: Int) -> DeliveryTag? {
        if keyOrderProbe.isHolding || message.pointee.timestamp != nil { return eventAttempt(message.pointee, bytes: bytes) }
        return .firstEventAttempt(byteCount: bytes, explicitPartition: message.pointee.partition != nil, heldValue: message.pointee.heldValueCandidate)
    }

    /// Sends `message` without waiting for its delivery; `completion` is called exactly once
    /// with the outcome (from the producer's thread — keep it short). Suspends only while the
    /// buffer is full under the ``KafkaProducerConfiguration/Backpressure/suspend`` policy.
    @inlinable
    nonisolated(nonsending) public func enqueue(_ message: consuming KafkaProducerMessage, completion: @escaping @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void) async throws {
        // As in ``enqueue(_:)``: the common case costs no async call of its own.
        guard let waiting = enqueueIfRoom(message, completion: completion) else { return }
        try await enqueueWhenRoom(waiting, completion: completion)
    }

    /// The common case of ``enqueue(_:completion:)``: there is room now and nobody waits for
    /// it. Returns the message if there was no room.
    @usableFromInline
    func enqueueIfRoom(_ message: consuming KafkaProducerMessage, completion: @escaping @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void) -> KafkaProducerMessage? {
        let bytes = message.byteCount
        guard buffer.tryAcquire(bytes: bytes) else { return message }
        produceCompletionAttempt(message, bytes: bytes, completion: .handler(completion))
        return nil
    }

    /// The rest of ``enqueue(_:completion:)``: waits for room, or fails, as the backpressure
    /// policy says.
    @usableFromInline
    nonisolated(nonsending) func enqueueWhenRoom(_ message: KafkaProducerMessage, completion: @escaping @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void) async throws {
        let bytes = message.byteCount
        try await buffer.acquire(bytes: bytes)
        produceCompletionAttempt(message, bytes: bytes, completion: .handler(completion))
    }

    private func produceCompletionAttempt(_ message: KafkaProducerMessage, bytes: Int, completion: DeliveryCompletion) {
        if let tracing {
            let (traced, ending) = tracing.start(message, completion: completion)
            return submitCompletionAttempt(traced, bytes: bytes, completion: ending)
        }
        submitCompletionAttempt(message, bytes: bytes, completion: completion)
    }

    private func submitCompletionAttempt(_ message: KafkaProducerMessage, bytes: Int, completion: DeliveryCompletion) {
        guard let tag = completionAttempt(message, bytes: bytes, completion: completion) else { return }
        submitter.submit(tag, message, failingTo: delivery)
    }

    /// The first attempt of `message` whose outcome goes to `completion`, or nil if per-key
    /// order holds it back (it then goes when its key is released).
    func completionAttempt(_ message: borrowing KafkaProducerMessage, bytes: Int, completion: DeliveryCompletion) -> DeliveryTag? {
        if keyOrderProbe.isHolding, let keyOrder, keyOrder.hold(copy message, byteCount: bytes, target: .completion(completion)) { return nil }
        return .firstCompletionAttempt(CompletionAttempt(message, byteCount: bytes, completion: completion))
    }

    /// Waits until the local buffer is empty (every accepted message delivered or failed).
    /// - Returns: `false` if `timeout` passed first.
    @discardableResult
    public func flush(timeout: Duration = .seconds(30)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        // A read of one atomic word every millisecond: cheap, and a flush ends at most 1 ms
        // after the last delivery report.
        while buffer.depth.messages > 0 {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return true
    }

    /// Stops accepting messages, flushes for up to `timeout`, then fails (and dead-letters)
    /// whatever is left and releases librdkafka. Safe to call more than once.
    public func shutdown(timeout: Duration = .seconds(30)) async {
        let proceed = lifecycle.withLock { state -> Bool in
            guard state == .running else { return false }
            state = .shuttingDown
            return true
        }
        guard proceed else { return }
        await flush(timeout: timeout)
        shutdownNow()
    }

    /// ServiceLifecycle: runs until a graceful shutdown, then shuts down.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    private func shutdownNow() {
        guard closeGates() else { return }
        teardown.run()
    }

    /// Marks the producer shut down and waits for any produce call still inside librdkafka
    /// (one that entered just before the gate closed: microseconds), so that nothing touches a
    /// destroyed handle. False when it was shut down already.
    private func closeGates() -> Bool {
        let proceed = lifecycle.withLock { state -> Bool in
            guard state != .shutDown else { return false }
            state = .shutDown
            return true
        }
        guard proceed else { return false }
        _ = submitter.close()
        return true
    }

    private var teardown: ProducerTeardown {
        ProducerTeardown(client: client, context: context, delivery: delivery, buffer: buffer, topics: topics, poller: poller)
    }
}
