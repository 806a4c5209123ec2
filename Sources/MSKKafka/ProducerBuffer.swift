import Synchronization

/// The producer's local buffer bounds: messages accepted and not yet finally delivered or
/// failed, counted and weighed. ``acquire(bytes:)`` either suspends until there is room or
/// fails fast, as configured.
///
/// The count and the weight live together in one atomic word, so that the producing task
/// (acquire) and librdkafka's delivery-report thread (release) never contend for a lock on the
/// hot path; the lock is taken only when someone waits for room, or on close.
final class ProducerBuffer: Sendable {
    private struct Waiter {
        var messages: Int
        var bytes: Int
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct Waiters {
        var byID: [UInt64: Waiter] = [:]
        var order: [UInt64] = []
        var nextID: UInt64 = 0
        var closed = false
    }

    /// Messages in the top 24 bits, bytes in the low 40.
    private static let byteBits: UInt64 = 40
    private static let byteMask: UInt64 = (1 << byteBits) - 1
    /// The largest limits the packed word can hold.
    static let messageLimit = (1 << 24) - 1
    static let byteLimit = Int(byteMask)

    let maxMessages: Int
    let maxBytes: Int
    let backpressure: KafkaProducerConfiguration.Backpressure
    private let occupancy = Atomic<UInt64>(0)
    /// How many callers wait for room; newcomers queue behind them.
    private let waiting = Atomic<Int>(0)
    private let closed = Atomic<Bool>(false)
    private let waiters = Mutex(Waiters())

    /// Limits above 16,777,215 messages or 1 TiB are lowered to those.
    init(maxMessages: Int, maxBytes: Int, backpressure: KafkaProducerConfiguration.Backpressure) {
        self.maxMessages = min(max(1, maxMessages), Self.messageLimit)
        self.maxBytes = min(max(1, maxBytes), Self.byteLimit)
        self.backpressure = backpressure
    }

    /// Callers suspended in ``acquire(bytes:)`` waiting for room.
    var waitingCount: Int { waiting.load(ordering: .sequentiallyConsistent) }

    var depth: (messages: Int, bytes: Int) {
        let word = occupancy.load(ordering: .relaxed)
        return (Int(word >> Self.byteBits), Int(word & Self.byteMask))
    }

    /// Takes room for one message of `bytes` if there is some now and nobody is waiting — the
    /// common case, without the cost of an async call; false otherwise (call ``acquire(bytes:)``).
    func tryAcquire(bytes: Int) -> Bool {
        tryAcquire(messages: 1, bytes: bytes)
    }

    /// Takes room for `messages` messages weighing `bytes` in all, at once, if there is room for
    /// all of them now and nobody is waiting; false otherwise (call ``acquire(messages:bytes:)``).
    func tryAcquire(messages: Int, bytes: Int) -> Bool {
        bytes <= maxBytes && !closed.load(ordering: .acquiring) && waiting.load(ordering: .sequentiallyConsistent) == 0 && tryReserve(messages, bytes)
    }

    /// Takes room for one message of `bytes`, a message larger than the whole buffer aside.
    nonisolated(nonsending) func acquire(bytes: Int) async throws {
        if bytes > maxBytes { throw KafkaError.messageTooLargeForBuffer(bytes: bytes, limit: maxBytes) }
        try await acquire(messages: 1, bytes: bytes)
    }

    /// Takes room for a batch of `messages` messages weighing `bytes` in all, at once: the
    /// batch waits (or fails fast) as one message would, and is let in only when all of it fits.
    /// A batch larger than the whole buffer could ever hold is refused.
    nonisolated(nonsending) func acquire(messages: Int, bytes: Int) async throws {
        if messages > maxMessages || bytes > maxBytes {
            throw KafkaError.batchTooLargeForBuffer(messages: messages, bytes: bytes, maxMessages: maxMessages, maxBytes: maxBytes)
        }
        if closed.load(ordering: .acquiring) { throw KafkaError.shutDown }
        if waiting.load(ordering: .sequentiallyConsistent) == 0, tryReserve(messages, bytes) { return }
        let id: UInt64? = try waiters.withLock { waiters in
            if waiters.closed { throw KafkaError.shutDown }
            if waiters.order.isEmpty, tryReserve(messages, bytes) { return nil }
            if backpressure == .failFast {
                let (messages, held) = depth
                throw KafkaError.bufferFull(messages: messages, bytes: held)
            }
            defer { waiters.nextID += 1 }
            return waiters.nextID
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let failure: (any Error)? = waiters.withLock { waiters in
                    if waiters.closed { return KafkaError.shutDown }
                    if Task.isCancelled { return CancellationError() }
                    waiters.byID[id] = Waiter(messages: messages, bytes: bytes, continuation: continuation)
                    waiters.order.append(id)
                    waiting.add(1, ordering: .sequentiallyConsistent)
                    return nil
                }
                if let failure { continuation.resume(throwing: failure) }
                // Room may have been freed before this waiter was visible to release().
                else { admitWaiters() }
            }
        } onCancel: {
            let waiter = waiters.withLock { waiters -> Waiter? in
                waiters.order.removeAll { $0 == id }
                guard let removed = waiters.byID.removeValue(forKey: id) else { return nil }
                waiting.subtract(1, ordering: .sequentiallyConsistent)
                return removed
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Gives back the room of `messages` settled messages weighing `bytes` in all.
    func release(messages: Int, bytes: Int) {
        occupancy.subtract(UInt64(messages) << Self.byteBits + UInt64(bytes), ordering: .sequentiallyConsistent)
        if waiting.load(ordering: .sequentiallyConsistent) > 0 { admitWaiters() }
    }

    /// Fails every waiter and every later ``acquire(bytes:)`` with ``KafkaError/shutDown``.
    func close() {
        closed.store(true, ordering: .releasing)
        let failed = waiters.withLock { waiters -> [Waiter] in
            waiters.closed = true
            defer {
                waiting.subtract(waiters.byID.count, ordering: .sequentiallyConsistent)
                waiters.byID = [:]
                waiters.order = []
            }
            return Array(waiters.byID.values)
        }
        for waiter in failed { waiter.continuation.resume(throwing: KafkaError.shutDown) }
    }

    /// `added` more messages weighing `bytes` if they fit: under both limits, or alone in the
    /// buffer (a message or batch larger than the limits was refused earlier).
    private func tryReserve(_ added: Int, _ bytes: Int) -> Bool {
        var current = occupancy.load(ordering: .relaxed)
        while true {
            let messages = Int(current >> Self.byteBits), held = Int(current & Self.byteMask)
            guard messages + added <= maxMessages, held + bytes <= maxBytes || messages == 0 else { return false }
            let next = current + UInt64(added) << Self.byteBits + UInt64(bytes)
            let (exchanged, original) = occupancy.compareExchange(expected: current, desired: next, ordering: .sequentiallyConsistent)
            if exchanged { return true }
            current = original
        }
    }

    /// Lets waiters in, in arrival order, while they fit.
    private func admitWaiters() {
        let admitted = waiters.withLock { waiters -> [Waiter] in
            var admitted: [Waiter] = []
            while let first = waiters.order.first, let waiter = waiters.byID[first], tryReserve(waiter.messages, waiter.bytes) {
                waiters.order.removeFirst()
                waiters.byID[first] = nil
                waiting.subtract(1, ordering: .sequentiallyConsistent)
                admitted.append(waiter)
            }
            return admitted
        }
        for waiter in admitted { waiter.continuation.resume() }
    }
}
