import CRdKafka
import Synchronization

/// The one owner of a librdkafka client (`rd_kafka_t`), shared by the producer and the consumer.
///
/// It makes the handle with this library's callbacks wired to a ``KafkaCallbackContext`` and
/// keeps that context retained for librdkafka (its `opaque`) while the handle lives; it starts
/// the OAUTHBEARER refresher once the handle exists and stops it before the handle goes; and it
/// destroys the handle exactly once. The calls into librdkafka live behind it, by concern:
/// `RdKafkaClient+Producer.swift` (topics, purge, flush), `+Consumer.swift`, `+Rebalance.swift`,
/// `+Queues.swift` (serving callbacks) and `+OAuthBearer.swift`. What runs once per message —
/// producing (``RdKafkaProduce``) and reading a delivery report — takes ``handle`` or the
/// report's own pointers instead, so that no call is added to the hot path.
///
/// Its users see to it that nothing of theirs calls in any more when ``destroy()`` runs: the
/// producer's and the consumer's call gates close, the poll and reader threads stop, and the
/// topic handles are given back first.
final class RdKafkaClient: Sendable {
    /// Which client librdkafka makes, and so which callbacks it gets beyond the shared ones.
    enum Kind {
        /// Gets delivery reports (`dr_msg_cb`).
        case producer
        /// Gets rebalances (`rebalance_cb`).
        case consumer
    }

    /// The `rd_kafka_t`: valid until ``destroy()``.
    let handle: RdKafkaPointer
    /// The context librdkafka's callbacks reach, retained until the handle is destroyed.
    private let context: Unmanaged<KafkaCallbackContext>
    /// Holds this client while attached: the cycle ends in ``destroy()``, which detaches it.
    private let refresher: OAuthBearerTokenRefresher?
    private let destroyed = Atomic<Bool>(false)
    /// librdkafka's background queue, once taken (asynchronous commits report there); given
    /// back before the handle is destroyed.
    let backgroundQueue = Mutex<RdKafkaPointer?>(nil)

    /// Makes the handle with `properties`; with `statistics`, statistics documents reach the
    /// context every `statistics.interval.ms`.
    /// - Throws: ``KafkaError/invalidConfiguration(property:reason:)`` with librdkafka's own
    ///   text, or ``KafkaError/clientCreation(reason:)``.
    init(_ kind: Kind, properties: [(String, String)], context: KafkaCallbackContext, statistics: Bool) throws {
        let conf = try RdKafkaConfiguration.make(properties)
        let retained = Unmanaged.passRetained(context)
        rd_kafka_conf_set_opaque(conf, retained.toOpaque())
        rd_kafka_conf_set_error_cb(conf, errorCallback)
        rd_kafka_conf_set_log_cb(conf, logCallback)
        if statistics { rd_kafka_conf_set_stats_cb(conf, statisticsCallback) }
        switch kind {
        case .producer: rd_kafka_conf_set_dr_msg_cb(conf, deliveryReportCallback)
        case .consumer: rd_kafka_conf_set_rebalance_cb(conf, rebalanceCallback)
        }
        if context.refresher != nil {
            rd_kafka_conf_set_oauthbearer_token_refresh_cb(conf, oauthBearerRefreshCallback)
            // Serve the refresh callback from librdkafka's background thread: no app polling.
            rd_kafka_conf_enable_sasl_queue(conf, 1)
        }
        var errorBuffer = [CChar](repeating: 0, count: 512)
        guard let made = rd_kafka_new(kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER, conf, &errorBuffer, errorBuffer.count) else {
            rd_kafka_conf_destroy(conf)
            retained.release()
            throw KafkaError.clientCreation(reason: String(errorBuffer: errorBuffer))
        }
        if context.refresher != nil, let error = rd_kafka_sasl_background_callbacks_enable(made) {
            let reason = String(cString: rd_kafka_error_string(error))
            rd_kafka_error_destroy(error)
            rd_kafka_destroy(made)
            retained.release()
            throw KafkaError.clientCreation(reason: "cannot serve OAUTHBEARER refreshes in the background: \(reason)")
        }
        handle = RdKafkaPointer(made)
        self.context = retained
        refresher = context.refresher
        refresher?.attach(self)
    }

    deinit {
        // Only reached without ``destroy()`` if the owner never tore down (an attached
        // refresher holds the client until then): still exactly once.
        destroy()
    }

    /// Stops the token refresher, gives back the queues the client took, destroys the handle
    /// and only then releases the context (no callback runs after `rd_kafka_destroy` returns).
    /// The first call does it; later ones do nothing. Never call it from one of librdkafka's
    /// callbacks (`rd_kafka_destroy` may not run there).
    func destroy() {
        guard !destroyed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        refresher?.detach()
        backgroundQueue.withLock { queue in
            if let taken = queue { rd_kafka_queue_destroy(taken.raw) }
            queue = nil
        }
        rd_kafka_destroy(handle.raw)
        context.release()
    }
}
