import CRdKafka

/// Creates an rd_kafka_t with this library's callbacks wired to `context`, shared by the
/// producer and the consumer. The context is retained here and must be released with
/// ``release(handleBits:contextBits:)`` after the handle is destroyed.
enum RdKafkaHandle {
    /// Bit patterns of the handle and the retained context (raw pointers are not Sendable).
    struct Created {
        let handleBits: Int
        let contextBits: Int
    }

    static func make(_ type: rd_kafka_type_t, properties: [(String, String)], context: KafkaCallbackContext, statistics: Bool, configure: (OpaquePointer) -> Void = { _ in }) throws -> Created {
        let conf = try RdKafkaConfiguration.make(properties)
        let contextPointer = Unmanaged.passRetained(context).toOpaque()
        rd_kafka_conf_set_opaque(conf, contextPointer)
        rd_kafka_conf_set_error_cb(conf, errorCallback)
        rd_kafka_conf_set_log_cb(conf, logCallback)
        if statistics { rd_kafka_conf_set_stats_cb(conf, statisticsCallback) }
        if context.refresher != nil {
            rd_kafka_conf_set_oauthbearer_token_refresh_cb(conf, oauthBearerRefreshCallback)
            // Serve the refresh callback from librdkafka's background thread: no app polling.
            rd_kafka_conf_enable_sasl_queue(conf, 1)
        }
        configure(conf)
        var errorBuffer = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(type, conf, &errorBuffer, errorBuffer.count) else {
            rd_kafka_conf_destroy(conf)
            Unmanaged<KafkaCallbackContext>.fromOpaque(contextPointer).release()
            throw KafkaError.clientCreation(reason: String(errorBuffer: errorBuffer))
        }
        if let refresher = context.refresher {
            if let error = rd_kafka_sasl_background_callbacks_enable(handle) {
                let reason = String(cString: rd_kafka_error_string(error))
                rd_kafka_error_destroy(error)
                rd_kafka_destroy(handle)
                Unmanaged<KafkaCallbackContext>.fromOpaque(contextPointer).release()
                throw KafkaError.clientCreation(reason: "cannot serve OAUTHBEARER refreshes in the background: \(reason)")
            }
            refresher.attach(handle)
        }
        return Created(handleBits: Int(bitPattern: UnsafeRawPointer(handle)), contextBits: Int(bitPattern: contextPointer))
    }

    /// Destroys the handle, then releases the context (no callback can run after destroy).
    static func destroy(_ created: Created) {
        if let handle = OpaquePointer(bitPattern: created.handleBits) { rd_kafka_destroy(handle) }
        if let context = UnsafeMutableRawPointer(bitPattern: created.contextBits) {
            Unmanaged<KafkaCallbackContext>.fromOpaque(context).release()
        }
    }
}
