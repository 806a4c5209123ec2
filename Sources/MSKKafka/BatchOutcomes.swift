import Synchronization

/// The outcomes of one ``KafkaProducer/send(contentsOf:)``, gathered in the batch's order: the
/// caller is resumed once, with all of them, when the last is known.
final class BatchOutcomes: Sendable {
    typealias Outcome = Result<KafkaDeliveryReport, KafkaError>

    private struct Gathered {
        var outcomes: [Outcome?]
        var remaining: Int
    }

    private let gathered: Mutex<Gathered>
    /// Resumed once, by the last ``settle(_:_:)``: every message's outcome is reported exactly once.
    private let continuation: UnsafeContinuation<[Outcome], Never>

    init(count: Int, continuation: UnsafeContinuation<[Outcome], Never>) {
        gathered = Mutex(Gathered(outcomes: Array(repeating: nil, count: count), remaining: count))
        self.continuation = continuation
    }

    /// The outcome of the message at `index`.
    func settle(_ index: Int, _ outcome: Outcome) {
        let all = gathered.withLock { gathered -> [Outcome]? in
            gathered.outcomes[index] = outcome
            gathered.remaining -= 1
            return gathered.remaining == 0 ? gathered.outcomes.map { $0! } : nil
        }
        if let all { continuation.resume(returning: all) }
    }
}
