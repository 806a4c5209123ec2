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

        init(request: KafkaInFlightRequest?) {
            self.request = request
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

    /// Hands over the answers that can be written now, in order: those at the head that are
    /// filled (one per upstream answer, typically, so no array is made for them).
    mutating func takeReady(_ write: (ByteBuffer) -> Void) {
        while let first = slots.first, let response = first.response {
            slots.removeFirst()
            write(response)
        }
    }
}
