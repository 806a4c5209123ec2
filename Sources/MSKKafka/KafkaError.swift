import CRdKafka

/// Errors of the Kafka layer. Texts come from librdkafka where it has one, and never contain
/// secrets (passwords and tokens are not part of any message).
public enum KafkaError: Error, Sendable, CustomStringConvertible {
    /// librdkafka refused a configuration property.
    case invalidConfiguration(property: String, reason: String)
    /// The client handle could not be created.
    case clientCreation(reason: String)
    /// A delivery failed with a librdkafka error code (see `rd_kafka_resp_err_t`).
    case delivery(code: Int32, name: String, reason: String)
    /// The local buffer is full and the backpressure policy is ``KafkaProducerConfiguration/Backpressure/failFast``.
    case bufferFull(messages: Int, bytes: Int)
    /// A retriable failure repeated past `maxRetries`; `last` is the final cause.
    case retriesExhausted(attempts: Int, last: KafkaDeliveryFailure)
    /// The producer was shut down before the message could be delivered.
    case shutDown
    /// The message is larger than the buffer could ever hold.
    case messageTooLargeForBuffer(bytes: Int, limit: Int)
    /// A batch (``KafkaProducer/enqueue(contentsOf:)``, ``KafkaProducer/send(contentsOf:)``)
    /// holds more messages or bytes than the local buffer could ever hold at once: split it.
    /// None of its messages was accepted.
    case batchTooLargeForBuffer(messages: Int, bytes: Int, maxMessages: Int, maxBytes: Int)
    /// The cluster refused the request for want of a permission (on MSK: an IAM policy that
    /// lacks ``KafkaAuthorizationFailure/action``). Never retried.
    case authorization(KafkaAuthorizationFailure)
    /// librdkafka's fatal error: the client can do nothing more (see `rd_kafka_fatal_error`).
    case fatal(code: Int32, name: String, reason: String)
    /// A consumer operation failed: subscribe, assign, commit, store, seek, pause, resume or a
    /// query. Authorization failures are ``authorization(_:)`` instead.
    case consumer(KafkaConsumerError)

    public var description: String {
        switch self {
        case .invalidConfiguration(let property, let reason):
            return "invalid Kafka configuration '\(property)': \(reason)"
        case .clientCreation(let reason):
            return "could not create the Kafka client: \(reason)"
        case .delivery(let code, let name, let reason):
            return "delivery failed: \(name) (\(code)): \(reason)"
        case .bufferFull(let messages, let bytes):
            return "the producer's local buffer is full (\(messages) messages, \(bytes) bytes)"
        case .retriesExhausted(let attempts, let last):
            return "delivery failed after \(attempts) attempts; last error: \(last)"
        case .shutDown:
            return "the producer has shut down"
        case .messageTooLargeForBuffer(let bytes, let limit):
            return "a message of \(bytes) bytes can never fit the local buffer of \(limit) bytes"
        case .batchTooLargeForBuffer(let messages, let bytes, let maxMessages, let maxBytes):
            return "a batch of \(messages) messages and \(bytes) bytes can never fit the local buffer of \(maxMessages) messages and \(maxBytes) bytes at once; split it"
        case .authorization(let failure):
            return "not authorized: \(failure)"
        case .fatal(let code, let name, let reason):
            return "the Kafka client failed fatally: \(name) (\(code)): \(reason)"
        case .consumer(let failure):
            return "consumer: \(failure)"
        }
    }
}

extension KafkaError {
    /// Whether this is ``shutDown``: at shutdown every message left fails, and no key's order
    /// is left to report on.
    var isShutDown: Bool {
        if case .shutDown = self { return true }
        return false
    }
}

/// One failed delivery attempt, as librdkafka reported it.
public struct KafkaDeliveryFailure: Sendable, Equatable, CustomStringConvertible {
    /// The `rd_kafka_resp_err_t` value.
    public var code: Int32
    /// Its symbolic name, e.g. `_MSG_TIMED_OUT`.
    public var name: String
    /// librdkafka's description.
    public var reason: String

    init(_ error: rd_kafka_resp_err_t) {
        code = error.rawValue
        name = String(cString: rd_kafka_err2name(error))
        reason = String(cString: rd_kafka_err2str(error))
    }

    /// Whether the same message may succeed later: timeouts, transport and broker-availability
    /// errors and authentication failures (fresh credentials fix them) are retriable; a
    /// message too large, an unknown topic or a denied authorization are not.
    public var isRetriable: Bool {
        Self.retriable.contains(code)
    }

    /// librdkafka gave up on it after `message.timeout.ms`.
    var isTimeout: Bool {
        code == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT.rawValue
    }

    private static let retriable: Set<Int32> = [
        RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__TRANSPORT,
        RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__AUTHENTICATION, RD_KAFKA_RESP_ERR__QUEUE_FULL,
        RD_KAFKA_RESP_ERR__RESOLVE, RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
        RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
        RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
        RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE,
        RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED, RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR,
        RD_KAFKA_RESP_ERR_NOT_CONTROLLER, RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
    ].reduce(into: Set<Int32>()) { $0.insert($1.rawValue) }

    public var description: String { "\(name): \(reason)" }
}
