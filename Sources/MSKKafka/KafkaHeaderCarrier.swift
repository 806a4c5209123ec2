import Tracing

/// Writes a tracer's propagation fields (W3C `traceparent`, `tracestate`, …) into a Kafka
/// message's headers. A field already there is replaced, not repeated: a message forwarded
/// with the headers it arrived with carries only the context of its new send.
struct KafkaHeaderInjector: Injector {
    func inject(_ value: String, forKey key: String, into headers: inout [(name: String, value: [UInt8])]) {
        headers.removeAll { $0.name == key }
        headers.append((key, Array(value.utf8)))
    }
}

/// Reads a tracer's propagation fields from a Kafka message's headers; of repeated headers the
/// last counts, as with Kafka headers generally.
struct KafkaHeaderExtractor: Extractor {
    func extract(key: String, from headers: [(name: String, value: [UInt8])]) -> String? {
        headers.last { $0.name == key }.map { String(decoding: $0.value, as: UTF8.self) }
    }
}
