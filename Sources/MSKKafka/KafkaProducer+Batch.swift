extension KafkaProducer {
    /// Sends `messages` without waiting for their deliveries; each one's outcome arrives on
    /// ``events``, as for ``enqueue(_:)``.
    ///
    /// The batch is accepted whole or not at all: room for all of it is taken in the local
    /// buffer at once (waiting for it, or failing fast, as the backpressure policy says), and
    /// the messages are handed to librdkafka in one pass, in order. Once accepted, each message
    /// is on its own — retried, failed and dead-lettered as if sent alone.
    /// - Throws: before any message of the batch was accepted: ``KafkaError/batchTooLargeForBuffer(messages:bytes:maxMessages:maxBytes:)``
    ///   (it could never fit the buffer at once: split it), ``KafkaError/bufferFull(messages:bytes:)``
    ///   (fail-fast policy), ``KafkaError/shutDown``, or `CancellationError` (cancelled while waiting for room).
    nonisolated(nonsending) public func enqueue(contentsOf messages: some Collection<KafkaProducerMessage>) async throws {
        try await enqueueBatch(Self.array(messages))
    }

    /// The batch as an array: the loops below are then compiled for arrays, not through the
    /// generic `Collection` (this module's generic code is not specialized for its callers).
    private static func array(_ messages: some Collection<KafkaProducerMessage>) -> [KafkaProducerMessage] {
        messages as? [KafkaProducerMessage] ?? Array(messages)
    }

    private nonisolated(nonsending) func enqueueBatch(_ messages: [KafkaProducerMessage]) async throws {
        guard try await reserveRoom(for: messages) else { return }
        guard let tracing else {
            submitter.submitBatch(messages, failingTo: delivery) { _, message in eventAttempt(at: message, bytes: message.pointee.byteCount) }
            return
        }
        // Weighed as reserved, before tracing adds its headers (as ``enqueue(_:)`` does).
        let weights = messages.map(\.byteCount)
        submitter.submitBatch(messages.map { tracing.handOver($0) }, failingTo: delivery) { index, message in
            eventAttempt(at: message, bytes: weights[index])
        }
    }

    /// Sends `messages` and returns each one's outcome, in the batch's order, once all are known:
    /// where it was stored, or why it finally failed (the errors of ``send(_:)``).
    ///
    /// Accepted whole or not at all, as ``enqueue(contentsOf:)``; the call suspends once for the
    /// batch, not once per message. Cancelling the task while it waits for room ends the call
    /// with `CancellationError` and nothing accepted; once accepted, the call waits for every
    /// message's real outcome, as ``send(_:)`` does.
    /// - Throws: only before any message was accepted, as ``enqueue(contentsOf:)``.
    nonisolated(nonsending) public func send(contentsOf messages: some Collection<KafkaProducerMessage>) async throws -> [Result<KafkaDeliveryReport, KafkaError>] {
        try await sendBatch(Self.array(messages))
    }

    private nonisolated(nonsending) func sendBatch(_ messages: [KafkaProducerMessage]) async throws -> [Result<KafkaDeliveryReport, KafkaError>] {
        guard try await reserveRoom(for: messages) else { return [] }
        return await withUnsafeContinuation { continuation in
            let outcomes = BatchOutcomes(count: messages.count, continuation: continuation)
            guard let tracing else {
                submitter.submitBatch(messages, failingTo: delivery) { index, message in
                    completionAttempt(message.pointee, bytes: message.pointee.byteCount, completion: .batchMember(outcomes, index))
                }
                return
            }
            let weights = messages.map(\.byteCount)
            let traced = messages.indices.map { tracing.start(messages[$0], completion: .batchMember(outcomes, $0)) }
            submitter.submitBatch(traced.map(\.0), failingTo: delivery) { index, message in
                completionAttempt(message.pointee, bytes: weights[index], completion: traced[index].1)
            }
        }
    }

    /// Takes room in the buffer for all of `messages` at once; false for an empty batch.
    private nonisolated(nonsending) func reserveRoom(for messages: [KafkaProducerMessage]) async throws -> Bool {
        guard !messages.isEmpty else { return false }
        // Through the buffer: an array's iterator would copy each message.
        let bytes = messages.withUnsafeBufferPointer { messages in
            var bytes = 0
            for index in messages.indices { bytes += messages[index].byteCount }
            return bytes
        }
        if !buffer.tryAcquire(messages: messages.count, bytes: bytes) { try await buffer.acquire(messages: messages.count, bytes: bytes) }
        return true
    }
}
