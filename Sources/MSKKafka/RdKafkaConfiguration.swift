import CRdKafka

/// Builds an `rd_kafka_conf_t` from properties, failing on the first one librdkafka refuses.
enum RdKafkaConfiguration {
    static func make(_ properties: [(String, String)]) throws -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else { throw KafkaError.clientCreation(reason: "rd_kafka_conf_new failed") }
        var errorBuffer = [CChar](repeating: 0, count: 512)
        for (name, value) in properties {
            if rd_kafka_conf_set(conf, name, value, &errorBuffer, errorBuffer.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw KafkaError.invalidConfiguration(property: name, reason: String(errorBuffer: errorBuffer))
            }
        }
        return conf
    }
}
