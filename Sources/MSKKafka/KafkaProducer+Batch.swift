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
        let sent = tracing.map { tracing in messages.map { tracing.handOver($0) } } ?? messages
        submitter.submitBatch(sent, failingTo: delivery) { index in
            // Weighed as reserved, before tracing added its headers (as ``enqueue(_:)`` does).
            eventAttempt(sent[index], bytes: messages[index].byteCount)
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
            var sent = messages, completions: [DeliveryCompletion] = []
            if let tracing {
                completions.reserveCapacity(messages.count)
                for index in messages.indices {
                    let (traced, completion) = tracing.start(messages[index], completion: .batchMember(outcomes, index))
                    sent[index] = traced
                    completions.append(completion)
                }
            }
            submitter.submitBatch(sent, failingTo: delivery) { index in
                let completion = completions.isEmpty ? .batchMember(outcomes, index) : completions[index]
                return completionAttempt(sent[index], bytes: messages[index].byteCount, completion: completion)
            }
        }
    }

    /// Takes room in the buffer for all of `messages` at once; false for an empty batch.
    private nonisolated(nonsending) func reserveRoom(for messages: [KafkaProducerMessage]) async throws -> Bool {
        guard !messages.isEmpty else { return false }
        var bytes = 0
        for message in messages { bytes += message.byteCount }
        if !buffer.tryAcquire(messages: messages.count, bytes: bytes) { try await buffer.acquire(messages: messages.count, bytes: bytes) }
        return true
    }
}
