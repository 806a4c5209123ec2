import CRdKafka
import Synchronization

/// librdkafka's fatal error, once the client has one — an idempotent producer whose producer id
/// was refused, for one. The client can do nothing more: every message it still holds and every
/// later send fail with this error, typed, rather than as "purged" or after a timeout.
final class KafkaFatalState: Sendable {
    private let state = Mutex<KafkaError?>(nil)
    /// Whether the client is an idempotent producer (a refused InitProducerId then means
    /// `kafka-cluster:WriteDataIdempotently` is missing).
    let idempotentProducer: Bool

    init(idempotentProducer: Bool) {
        self.idempotentProducer = idempotentProducer
    }

    /// The fatal error, if there is one.
    var error: KafkaError? { state.withLock { $0 } }

    /// Reads the fatal error from `handle`, if it has one (on a thread serving `handle`'s
    /// callbacks, so that it is alive); returns it.
    @discardableResult
    func record(from handle: OpaquePointer) -> KafkaError? {
        if let known = error { return known }
        var text = [CChar](repeating: 0, count: 512)
        let code = rd_kafka_fatal_error(handle, &text, text.count)
        guard code != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        let reason = String(errorBuffer: text)
        let error: KafkaError = KafkaAuthorizationFailure(code: code.rawValue, topic: nil, idempotentProducer: idempotentProducer)
            .map { .authorization($0) } ?? .fatal(code: code.rawValue, name: String(cString: rd_kafka_err2name(code)), reason: reason)
        return state.withLock { current in
            guard let current else {
                current = error
                return error
            }
            return current
        }
    }

    /// Whether a delivery report with `error` may come from a fatal failure (librdkafka purges
    /// what the client holds, or refuses to produce, once it has failed fatally).
    static func mayFollowFatalError(_ error: rd_kafka_resp_err_t) -> Bool {
        error == RD_KAFKA_RESP_ERR__PURGE_QUEUE || error == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT || error == RD_KAFKA_RESP_ERR__FATAL
    }
}
