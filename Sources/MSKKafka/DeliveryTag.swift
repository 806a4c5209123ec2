import Foundation

/// What a message carries through librdkafka as its per-message opaque, read back in its
/// delivery report.
///
/// The throughput path (``KafkaProducer/enqueue(_:)``, outcomes on ``KafkaProducer/events``)
/// allocates nothing per message for small values: a first attempt is described by its buffer
/// weight and a flag packed into the opaque itself, and librdkafka copies the value. A byte value
/// of ``KafkaProducerMessage/heldValueThreshold`` bytes or more is not copied: librdkafka points
/// to it, and a small ``HeldValueAttempt`` keeps it alive until the report. A first attempt whose
/// outcome goes to a completion handler (``KafkaProducer/send(_:)``,
/// ``KafkaProducer/enqueue(_:completion:)``) carries the handler (and such a value) and no copy
/// of the message. Everything else — retries, event-path messages with an explicit timestamp —
/// travels as a retained ``PendingMessage``, whose byte value librdkafka points to. A failed
/// first attempt rebuilds its message from the one librdkafka reports.
enum DeliveryTag {
    /// A first attempt whose outcome goes to the event stream.
    case firstEventAttempt(FirstEventAttempt)
    /// A first attempt whose outcome goes to a completion handler.
    case firstCompletionAttempt(CompletionAttempt)
    /// A first attempt whose outcome goes to the event stream, whose byte value librdkafka
    /// points to instead of copying: the attempt holds the value until its report.
    case firstEventAttemptHoldingValue(HeldValueAttempt)
    /// Any other attempt.
    case pending(PendingMessage)

    /// The byte value librdkafka may point to instead of copying, if this attempt keeps one
    /// alive until its delivery report.
    var heldValue: [UInt8]? {
        switch self {
        case .firstEventAttempt: nil
        case .firstEventAttemptHoldingValue(let attempt): attempt.value
        case .firstCompletionAttempt(let attempt): attempt.value
        case .pending(let pending): pending.message.given == nil ? pending.message.bytes : nil
        }
    }

    /// This attempt as a ``PendingMessage`` of `message`, the message it stands for: what the
    /// paths that settle an attempt outside its delivery report need (a produce librdkafka
    /// refused, or one after shutdown).
    func pending(_ message: KafkaProducerMessage) -> PendingMessage {
        switch self {
        case .pending(let pending): pending
        case .firstEventAttempt(let attempt): PendingMessage(message: message, attempt: 1, byteCount: attempt.byteCount, target: .events)
        case .firstEventAttemptHoldingValue(let held): PendingMessage(message: message, attempt: 1, byteCount: held.attempt.byteCount, target: .events)
        case .firstCompletionAttempt(let attempt): PendingMessage(message: message, attempt: 1, byteCount: attempt.byteCount, target: .completion(attempt.completion))
        }
    }

    /// A first attempt on the event path that keeps no copy of its message: packed into the
    /// opaque, or holding `heldValue` (a byte value librdkafka points to) until its report.
    static func firstEventAttempt(byteCount: Int, explicitPartition: Bool, heldValue: [UInt8]?) -> DeliveryTag {
        let attempt = FirstEventAttempt(byteCount: byteCount, explicitPartition: explicitPartition)
        guard let heldValue else { return .firstEventAttempt(attempt) }
        return .firstEventAttemptHoldingValue(HeldValueAttempt(value: heldValue, attempt: attempt))
    }

    /// What a first attempt on the event path needs to be settled: its weight in the buffer,
    /// and whether the caller chose its partition (librdkafka's copy cannot tell a partition
    /// the caller chose from one its partitioner chose, and a retry must not pin the latter).
    ///
    /// A message with an explicit timestamp never takes this path: a failed delivery report
    /// does not give the timestamp back (`rd_kafka_message_timestamp` answers "not available"
    /// for a message in error).
    struct FirstEventAttempt: Equatable {
        var byteCount: Int
        var explicitPartition: Bool
    }

    // Bit 0 marks a packed attempt: a Swift object's address never has it (objects are at
    // least 8-byte aligned). Bit 1 is the flag; the weight (at most 2^40, the buffer's byte
    // limit) is above it. Without bit 0, bit 1 marks a ``CompletionAttempt``'s address.
    private static let packedBit = 1
    private static let partitionBit = 2
    private static let weightShift = 2
    private static let completionBit = 2
    private static let heldValueBit = 4

    /// The opaque to hand to librdkafka; for an object, a +1 reference that
    /// ``init(consuming:)`` takes back (or the caller releases when librdkafka refuses the message).
    func retainedOpaque() -> UnsafeMutableRawPointer {
        switch self {
        case .firstEventAttempt(let attempt):
            let bits = attempt.byteCount << Self.weightShift | (attempt.explicitPartition ? Self.partitionBit : 0) | Self.packedBit
            return UnsafeMutableRawPointer(bitPattern: bits)!
        case .firstCompletionAttempt(let attempt):
            return UnsafeMutableRawPointer(bitPattern: Int(bitPattern: Unmanaged.passRetained(attempt).toOpaque()) | Self.completionBit)!
        case .firstEventAttemptHoldingValue(let attempt):
            return UnsafeMutableRawPointer(bitPattern: Int(bitPattern: Unmanaged.passRetained(attempt).toOpaque()) | Self.heldValueBit)!
        case .pending(let pending):
            return Unmanaged.passRetained(pending).toOpaque()
        }
    }

    /// Reads an opaque made by ``retainedOpaque()``, taking back its reference.
    init(consuming opaque: UnsafeMutableRawPointer) {
        let bits = Int(bitPattern: opaque)
        if bits & Self.packedBit != 0 {
            self = .firstEventAttempt(FirstEventAttempt(
                byteCount: bits >> Self.weightShift,
                explicitPartition: bits & Self.partitionBit != 0
            ))
        } else if bits & Self.completionBit != 0 {
            let address = UnsafeMutableRawPointer(bitPattern: bits & ~Self.completionBit)!
            self = .firstCompletionAttempt(Unmanaged<CompletionAttempt>.fromOpaque(address).takeRetainedValue())
        } else if bits & Self.heldValueBit != 0 {
            let address = UnsafeMutableRawPointer(bitPattern: bits & ~Self.heldValueBit)!
            self = .firstEventAttemptHoldingValue(Unmanaged<HeldValueAttempt>.fromOpaque(address).takeRetainedValue())
        } else {
            self = .pending(Unmanaged<PendingMessage>.fromOpaque(opaque).takeRetainedValue())
        }
    }
}

/// A first attempt whose outcome goes to a completion handler: what it takes to report it, or
/// to rebuild the message from librdkafka's copy when it fails — the handler, the buffer
/// weight, whether the caller chose the partition, and the timestamp (which a failed delivery
/// report does not give back).
final class CompletionAttempt: Sendable {
    let completion: DeliveryCompletion
    let byteCount: Int
    let explicitPartition: Bool
    let timestamp: Date?
    /// The byte value, kept for librdkafka to point to, when it is large enough to be worth it.
    let value: [UInt8]?
    /// Keeps the attempt, allocated and freed with librdkafka's copy of its message, out of
    /// glibc's fast bins.
    private let fastBinClearance = FastBinClearance()

    init(_ message: borrowing KafkaProducerMessage, byteCount: Int, completion: DeliveryCompletion) {
        self.completion = completion
        self.byteCount = byteCount
        explicitPartition = message.partition != nil
        timestamp = message.timestamp
        value = message.heldValueCandidate
    }
}

/// A first attempt on the event path whose byte value librdkafka points to instead of copying:
/// the value, kept alive until the delivery report, and the attempt as it would travel without it.
final class HeldValueAttempt: Sendable {
    let value: [UInt8]
    let attempt: DeliveryTag.FirstEventAttempt

    init(value: [UInt8], attempt: DeliveryTag.FirstEventAttempt) {
        self.value = value
        self.attempt = attempt
    }
}
