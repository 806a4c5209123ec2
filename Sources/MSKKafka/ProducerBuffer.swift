import Synchronization

/// The producer's local buffer bounds: messages accepted and not yet finally delivered or
/// failed, counted and weighed. ``acquire(bytes:)`` either suspends until there is room or
/// fails fast, as configured.
final class ProducerBuffer: Sendable {
    private struct Waiter {
        var bytes: Int
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var messages = 0
        var bytes = 0
        var waiters: [UInt64: Waiter] = [:]
        var order: [UInt64] = []
        var nextID: UInt64 = 0
        var closed = false
    }

    let maxMessages: Int
    let maxBytes: Int
    let backpressure: KafkaProducerConfiguration.Backpressure
    private let state = Mutex(State())

    init(maxMessages: Int, maxBytes: Int, backpressure: KafkaProducerConfiguration.Backpressure) {
        self.maxMessages = max(1, maxMessages)
        self.maxBytes = max(1, maxBytes)
        self.backpressure = backpressure
    }

    /// Messages and bytes held now.
    var depth: (messages: Int, bytes: Int) { state.withLock { ($0.messages, $0.bytes) } }

    private func fits(_ bytes: Int, _ state: State) -> Bool {
        state.messages < maxMessages && (state.bytes + bytes <= maxBytes || state.messages == 0)
    }

    /// Takes room for one message of `bytes`.
    func acquire(bytes: Int) async throws {
        if bytes > maxBytes { throw KafkaError.messageTooLargeForBuffer(bytes: bytes, limit: maxBytes) }
        let id: UInt64? = try state.withLock { state in
            if state.closed { throw KafkaError.shutDown }
            if state.order.isEmpty, fits(bytes, state) {
                state.messages += 1
                state.bytes += bytes
                return nil
            }
            if backpressure == .failFast { throw KafkaError.bufferFull(messages: state.messages, bytes: state.bytes) }
            defer { state.nextID += 1 }
            return state.nextID
        }
        guard let id else { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let failure: (any Error)? = state.withLock { state in
                    if state.closed { return KafkaError.shutDown }
                    if Task.isCancelled { return CancellationError() }
                    state.waiters[id] = Waiter(bytes: bytes, continuation: continuation)
                    state.order.append(id)
                    return nil
                }
                if let failure { continuation.resume(throwing: failure) }
                else { admitWaiters() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                state.order.removeAll { $0 == id }
                return state.waiters.removeValue(forKey: id)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Gives back the room of one message.
    func release(bytes: Int) {
        let anyWaiting = state.withLock { state -> Bool in
            state.messages -= 1
            state.bytes -= bytes
            return !state.order.isEmpty
        }
        if anyWaiting { admitWaiters() }
    }

    /// Fails every waiter and refuses new messages.
    func close() {
        let waiters = state.withLock { state -> [Waiter] in
            state.closed = true
            defer { state.waiters = [:]; state.order = [] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.continuation.resume(throwing: KafkaError.shutDown) }
    }

    /// Admits waiters in arrival order while they fit.
    private func admitWaiters() {
        let admitted = state.withLock { state -> [Waiter] in
            var admitted: [Waiter] = []
            while let first = state.order.first, let waiter = state.waiters[first], fits(waiter.bytes, state) {
                state.order.removeFirst()
                state.waiters[first] = nil
                state.messages += 1
                state.bytes += waiter.bytes
                admitted.append(waiter)
            }
            return admitted
        }
        for waiter in admitted { waiter.continuation.resume() }
    }
}
