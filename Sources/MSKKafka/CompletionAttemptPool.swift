import Synchronization

/// Reuses ``CompletionAttempt``s. The producer takes one per message sent with a completion
/// handler or `send`; the delivery report gives it back once its handler has run. Given-back
/// attempts gather in a list only the thread serving librdkafka's queue touches, and join the
/// free list once per serve (``flush()``), so that the producing thread and the poll thread meet
/// on the free list's lock once per serve, not once per message.
final class CompletionAttemptPool: Sendable {
    /// The most attempts kept: what the producer may reuse before it allocates again.
    static let capacity = 4_096

    private let free = Mutex<[CompletionAttempt]>([])
    private let returned = Mutex<[CompletionAttempt]>([])

    init() {}

    /// An attempt for `message`: a reused one if there is one.
    func attempt(_ message: borrowing KafkaProducerMessage, byteCount: Int, completion: DeliveryCompletion) -> CompletionAttempt {
        if let reused = free.withLock({ $0.popLast() }) {
            reused.refill(message, byteCount: byteCount, completion: completion)
            return reused
        }
        return CompletionAttempt(message, byteCount: byteCount, completion: completion)
    }

    /// Takes back `attempt` once its report has been served and its handler has run.
    ///
    /// The producer that made it may still hold a reference for a moment (its report can be
    /// served before the produce call has returned on the producing thread), but nothing reads
    /// an attempt after librdkafka has taken it but the report: the producing side reads it
    /// only before the call, or when librdkafka refused the message (then no report comes, and
    /// nothing gives it back).
    func giveBack(_ attempt: CompletionAttempt) {
        attempt.clear()
        returned.withLock { returned in
            if returned.count < Self.capacity { returned.append(attempt) }
        }
    }

    /// Moves the attempts given back since the last call to the free list (after each serve).
    func flush() {
        // The two locks always in this order (the other paths take one each).
        returned.withLock { returned in
            guard !returned.isEmpty else { return }
            free.withLock { free in
                free.append(contentsOf: returned.prefix(Self.capacity - free.count))
            }
            returned.removeAll(keepingCapacity: true)
        }
    }

    /// Attempts ready for reuse (tests).
    var available: Int { free.withLock { $0.count } }
}
