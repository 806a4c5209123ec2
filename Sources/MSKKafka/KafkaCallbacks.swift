import CRdKafka
import Foundation
import Logging

/// What librdkafka's C callbacks reach through the `opaque` pointer (producer or consumer). Retained for the life of
/// the rd_kafka_t and released only after `rd_kafka_destroy` returns, so a callback can never
/// see it freed.
final class KafkaCallbackContext: Sendable {
    /// A producer's delivery handler (`nil` for a consumer), plugged in by
    /// ``deliverReports(to:)``, unretained.
    ///
    /// Not a `let`: the handler retries through the producer's submitter, which needs the
    /// client, which needs this context — so it can only be made after the client. It is set
    /// once, by the producer's initializer, before the producer is returned and so before
    /// anything is produced; the delivery-report callback that reads it runs only for a message
    /// produced after that, handed between threads under librdkafka's queue locks, which order
    /// the write before the read.
    ///
    /// Unretained because it is read once per message on the poll thread: a strong `var` is
    /// retained and released at every read (a `let` is not). The producer, and the teardown
    /// that destroys the client, hold the handler until the handle is gone, so it outlives
    /// every report.
    nonisolated(unsafe) private var deliveryHandler: Unmanaged<DeliveryHandler>?
    let refresher: OAuthBearerTokenRefresher?
    let statistics: StatisticsHandler
    let logger: Logger
    let counters: KafkaClientCounters
    /// librdkafka's fatal error, once there is one.
    let fatal: KafkaFatalState
    /// A consumer's rebalance handling (`nil` for a producer).
    let consumerGroup: ConsumerGroupState?
    /// A consumer's asynchronous commits waiting for their results (`nil` for a producer).
    let commitCompletions: CommitCompletions?

    init(refresher: OAuthBearerTokenRefresher?, statistics: StatisticsHandler, logger: Logger, counters: KafkaClientCounters,
         fatal: KafkaFatalState = KafkaFatalState(idempotentProducer: false), consumerGroup: ConsumerGroupState? = nil, commitCompletions: CommitCompletions? = nil) {
        self.consumerGroup = consumerGroup
        self.commitCompletions = commitCompletions
        self.fatal = fatal
        self.refresher = refresher
        self.statistics = statistics
        self.logger = logger
        self.counters = counters
    }

    /// Sends the producer's delivery reports to `handler`: once, before the first produce
    /// (see ``delivery``).
    func deliverReports(to handler: DeliveryHandler) {
        precondition(deliveryHandler == nil, "the delivery handler is set once")
        deliveryHandler = Unmanaged.passUnretained(handler)
    }

    /// Runs `body` with the delivery handler, borrowed (no retain), if this is a producer's.
    func withDeliveryHandler(_ body: (DeliveryHandler) -> Void) {
        deliveryHandler?._withUnsafeGuaranteedRef(body)
    }

    static func from(_ opaque: UnsafeMutableRawPointer?) -> KafkaCallbackContext? {
        opaque.map { Unmanaged<KafkaCallbackContext>.fromOpaque($0).takeUnretainedValue() }
    }
}

// The C callbacks are plain functions formed at file scope (not in any actor), as librdkafka
// calls them from its own threads.

/// `dr_msg_cb`: one delivery report per message (from whichever thread serves the queue; see
/// ``PollThread``). The context is borrowed, not retained: this runs once per message, and the
/// context outlives the handle.
let deliveryReportCallback: @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = { handle, message, opaque in
    guard let message, let opaque else { return }
    Unmanaged<KafkaCallbackContext>.fromOpaque(opaque)._withUnsafeGuaranteedRef { context in
        // Messages purged because the client failed fatally: the fatal error is what they
        // report, whether or not its error callback has been served yet.
        if let handle, KafkaFatalState.mayFollowFatalError(message.pointee.err) { context.fatal.record(from: handle) }
        context.withDeliveryHandler { $0.report(message) }
    }
}

/// `oauthbearer_token_refresh_cb`: must not block (served by librdkafka's SASL thread).
let oauthBearerRefreshCallback: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = { _, _, opaque in
    KafkaCallbackContext.from(opaque)?.refresher?.refreshRequested()
}

/// `error_cb`: client-level errors. An authentication failure gets a fresh token at once.
let errorCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = { handle, code, reason, opaque in
    guard let context = KafkaCallbackContext.from(opaque) else { return }
    let error = rd_kafka_resp_err_t(rawValue: code)
    let text = reason.map { String(cString: $0) } ?? ""
    if error == RD_KAFKA_RESP_ERR__FATAL, let handle, let fatal = context.fatal.record(from: handle) {
        context.logger.critical("the Kafka client failed fatally; every message it holds fails with this error", metadata: ["error": "\(fatal)"])
        return
    }
    if error == RD_KAFKA_RESP_ERR__AUTHENTICATION {
        context.counters.authenticationFailures.increment()
        context.refresher?.refreshNow(reason: "authentication failed")
    }
    let level: Logger.Level = (error == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || error == RD_KAFKA_RESP_ERR__FATAL) ? .error : .warning
    context.logger.log(level: level, "librdkafka error", metadata: ["code": "\(String(cString: rd_kafka_err2name(error)))", "reason": "\(text)"])
}

/// `log_cb`: librdkafka's log lines, at swift-log levels (syslog 0-7 → critical…debug).
let logCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = { handle, level, facility, line in
    guard let handle, let context = KafkaCallbackContext.from(rd_kafka_opaque(handle)) else { return }
    let mapped: Logger.Level
    switch level {
    case 0...2: mapped = .critical
    case 3: mapped = .error
    case 4: mapped = .warning
    case 5, 6: mapped = .info
    default: mapped = .debug
    }
    context.logger.log(level: mapped, "\(line.map { String(cString: $0) } ?? "")", metadata: ["facility": "\(facility.map { String(cString: $0) } ?? "")"])
}

/// `stats_cb`: a statistics JSON document; returning 0 lets librdkafka free it.
let statisticsCallback: @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?, Int, UnsafeMutableRawPointer?) -> Int32 = { _, json, length, opaque in
    guard let json, let context = KafkaCallbackContext.from(opaque) else { return 0 }
    context.statistics.handle(Data(bytes: json, count: length))
    return 0
}
