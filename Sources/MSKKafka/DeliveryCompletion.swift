/// Who is told a message's outcome, once: a caller suspended in ``KafkaProducer/send(_:)``, or
/// a completion handler (``KafkaProducer/enqueue(_:completion:)``, and the batch calls').
///
/// `send` resumes its own continuation rather than wrap it in a handler: a closure around the
/// continuation would be one more allocation per message, and a checked continuation another.
enum DeliveryCompletion: Sendable {
    case handler(@Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void)
    /// Resumed exactly once, as every message's outcome is reported exactly once (the
    /// producer's contract, which its tests hold it to): an unchecked continuation is safe.
    case continuation(UnsafeContinuation<KafkaDeliveryReport, any Error>)
    /// The message at this index of a ``KafkaProducer/send(contentsOf:)`` batch.
    case batchMember(BatchOutcomes, Int)

    /// Tells the outcome.
    func callAsFunction(_ result: Result<KafkaDeliveryReport, KafkaError>) {
        switch self {
        case .handler(let handler): handler(result)
        case .continuation(let continuation): continuation.resume(with: result.mapError { $0 })
        case .batchMember(let outcomes, let index): outcomes.settle(index, result)
        }
    }
}
