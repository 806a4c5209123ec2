import NIOCore

/// A request forwarded upstream whose response has not come back yet. A Kafka broker answers
/// the requests of one connection in the order they came, so a connection keeps these in a
/// FIFO and matches each response with the oldest: a response is never read with another
/// request's schema, whatever correlation ids a client chooses (it may repeat them).
struct KafkaInFlightRequest {
    let apiKey: Int16
    let version: Int16
    let correlationID: Int32
    /// What the gateway does to the upstream's answer for authorization.
    var amendment: Amendment = .none
    /// The group member a JoinGroup or SyncGroup is from (``GatewayGroupRequestGuard``).
    var groupMember: KafkaGroupMember?

    enum Amendment {
        case none
        /// Add these topics' refusals (the request went upstream without them).
        case addDenied([KafkaDeniedTopic])
        /// Leave out (or, when the request `named` them, refuse) the topics the principal may
        /// not describe.
        case filterMetadata(named: Bool)

        var changesAnswer: Bool {
            if case .none = self { return false }
            return true
        }
    }

    /// Whether the broker answers `header`'s request at all: a Produce with `acks=0` gets no
    /// response. `body` starts after the header's client id. An unreadable Produce counts as
    /// answered (the broker then answers with an error or closes the connection).
    static func expectsResponse(_ header: KafkaRequestHeader, body: ByteBuffer) -> Bool {
        guard header.apiKey == KafkaAPI.produce else { return true }
        var body = body
        do {
            switch header.apiVersion {
            case ..<3:
                break
            case 3..<9:
                _ = try body.readKafkaString()  // transactional_id
            default:
                try body.skipKafkaTaggedFields()  // request header v2
                let length = Int(try body.readKafkaUnsignedVarint())  // compact transactional_id, length + 1
                guard length <= body.readableBytes + 1 else { return true }
                if length > 1 { body.moveReaderIndex(forwardBy: length - 1) }
            }
            return try body.readKafkaInt16() != 0
        } catch {
            return true
        }
    }
}
