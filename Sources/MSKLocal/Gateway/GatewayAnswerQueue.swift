import NIOCore

/// The answers a connection owes its client, in the order the requests came — as a Kafka
/// broker answers — whether they come from the upstream broker or from the gateway itself
/// (ApiVersions, SASL). An answer ready early waits for the ones before it, so that the gateway's
/// own answers never overtake an upstream answer to an earlier request (a KIP-368
/// re-authentication in the middle of produce traffic, for one).
///
/// Event-loop confined, like the connection that owns it.
struct GatewayAnswerQueue {
    /// One answer owed. A class so that an answer decided later (a delayed authentication) can
    /// fill the place its request took.
    final class Slot {
        /// Set for requests forwarded upstream: what the upstream's answer must match.
        let request: KafkaInFlightRequest?
        var response: ByteBuffer?
        /// A request the client expects no answer to (an `acks=0` Produce) that the upstream
        /// may answer all the same: librdkafka 2.0.2's mock does, a broker does not.
        let answerIsDropped: Bool

        init(request: KafkaInFlightRequest?, answerIsDropped: Bool = false) {
            self.request = request
            self.answerIsDropped = answerIsDropped
        }
    }

    private var slots = CircularBuffer<Slot>()
    /// The upstream slots alone, in order: the upstream answers them in this order.
    private var upstream = CircularBuffer<Slot>()

    /// Answers owed, ready or not.
    var count: Int { slots.count }

    /// Takes the next place for a request forwarded upstream.
    mutating func expectUpstream(_ request: KafkaInFlightRequest) {
        let slot = Slot(request: request)
        slots.append(slot)
        upstream.append(slot)
    }

    /// Notes a request forwarded upstream that the client expects no answer to: an answer to it,
    /// if the upstream gives one, is dropped (``nextUpstream(matching:)``).
    mutating func expectUpstreamWithoutAnswer(_ request: KafkaInFlightRequest) {
        upstream.append(Slot(request: request, answerIsDropped: true))
    }

    /// Takes the next place for an answer the gateway gives itself; fill its `response`.
    mutating func reserveOwn() -> Slot {
        let slot = Slot(request: nil)
        slots.append(slot)
        return slot
    }

    /// The oldest slot still waiting for the upstream, to match and fill with its answer.
    mutating func nextUpstream() -> Slot? {
        upstream.popFirst()
    }

    /// The slot an upstream answer with `correlationID` belongs to: the oldest, passing over
    /// requests without an answer that the upstream did not answer (their correlation ids
    /// differ). The caller drops the answer when the slot's ``Slot/answerIsDropped``.
    mutating func nextUpstream(matching correlationID: Int32) -> Slot? {
        while let first = upstream.first, first.answerIsDropped, first.request?.correlationID != correlationID {
            upstream.removeFirst()
        }
        return upstream.popFirst()
    }

    /// Hands over the answers that can be written now, in order: those at the head that are
    /// filled (one per upstream answer, typically, so no array is made for them).
    mutating func takeReady(_ write: (ByteBuffer) -> Void) {
        while let first = slots.first, let response = first.response {
            slots.removeFirst()
            write(response)
        }
    }
}
