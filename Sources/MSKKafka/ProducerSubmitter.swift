import CRdKafka

/// Hands attempts to librdkafka — first attempts from ``KafkaProducer``, retries from the
/// ``DeliveryHandler`` — and owns what a produce takes: the client's handle, the topic
/// handles, the call gate that shutdown closes, and the poll thread it nudges afterwards.
///
/// It holds no delivery handler: an attempt that cannot be produced goes to the handler its
/// caller names. The handler holds the submitter (to retry), so holding the handler back would
/// be a cycle — and would have to be set after both exist.
final class ProducerSubmitter: Sendable {
    /// The client's `rd_kafka_t`, read once per message (the client itself is held by the
    /// producer, which destroys it only after ``close()``).
    private let handle: RdKafkaPointer
    private let topics: ProducerTopics
    private let poller: PollThread
    /// Produce calls inside librdkafka: ``close()`` waits for them before the handle goes, and a
    /// call that comes later fails with ``KafkaError/shutDown``.
    private let calls = CallGate()

    init(client: RdKafkaClient, topics: ProducerTopics, poller: PollThread) {
        handle = client.handle
        self.topics = topics
        self.poller = poller
    }

    /// Hands one attempt to librdkafka; `message` is the one `tag` stands for. If librdkafka
    /// refuses it (no delivery report will come) or the producer has shut down, `delivery`
    /// decides at once: another attempt, or a final failure.
    func submit(_ tag: DeliveryTag, _ message: KafkaProducerMessage, failingTo delivery: DeliveryHandler) {
        calls.enter { isOpen in
            produce(tag, message, isOpen: isOpen, failingTo: delivery)
            poller.serveIfIdle()
        }
    }

    /// Hands the first attempts of a batch to librdkafka with one pass through the call gate,
    /// in order: `attempt(i, message)` makes the `i`th message's, or answers nil if per-key
    /// order holds it back.
    /// Each attempt is settled as one handed over by ``submit(_:_:failingTo:)``.
    ///
    /// Consecutive messages to one topic that `rd_kafka_produce_batch` can take
    /// (``RdKafkaProduceBatch/takes(_:)``) go together, up to ``RdKafkaProduceBatch/maxRun`` at
    /// a time; any other goes alone, after those before it. The messages are read in place,
    /// through the array's buffer: a copy of each (a retain and a release of each of its arrays,
    /// which an array's subscript or iterator makes) would cost as much as the produce call saves.
    func submitBatch(_ batch: [KafkaProducerMessage], failingTo delivery: DeliveryHandler, attempt: (Int, UnsafePointer<KafkaProducerMessage>) -> DeliveryTag?) {
        batch.withUnsafeBufferPointer { messages in
            calls.enter { isOpen in submitBatch(messages, isOpen: isOpen, failingTo: delivery, attempt: attempt) }
        }
    }

    private func submitBatch(_ messages: UnsafeBufferPointer<KafkaProducerMessage>, isOpen: Bool, failingTo delivery: DeliveryHandler,
                             attempt: (Int, UnsafePointer<KafkaProducerMessage>) -> DeliveryTag?) {
        var run = ProduceRun()
        for index in messages.indices {
            guard let tag = attempt(index, messages.baseAddress! + index) else { continue }
            if isOpen, tag.heldValue == nil, RdKafkaProduceBatch.takes(messages[index]), let topic = topics.handle(named: messages[index].topic) {
                if run.topic != topic.raw { produce(&run, of: messages, failingTo: delivery) }
                run.add(index, tag, to: topic.raw)
                if run.isFull { produce(&run, of: messages, failingTo: delivery) }
            } else {
                // A held value is pointed to, not copied: not in a run, whose values are copied.
                produce(&run, of: messages, failingTo: delivery)
                produce(tag, messages[index], isOpen: isOpen, failingTo: delivery)
            }
            poller.serveIfIdle()
        }
        produce(&run, of: messages, failingTo: delivery)
    }

    /// Messages of a batch gathered for one `rd_kafka_produce_batch` call.
    private struct ProduceRun {
        var topic: OpaquePointer?
        var indices: [Int] = []
        var tags: [DeliveryTag] = []
        var opaques: [UnsafeMutableRawPointer] = []

        var isFull: Bool { indices.count == RdKafkaProduceBatch.maxRun }

        mutating func add(_ index: Int, _ tag: DeliveryTag, to topic: OpaquePointer) {
            if indices.isEmpty, indices.capacity == 0 {
                indices.reserveCapacity(RdKafkaProduceBatch.maxRun)
                tags.reserveCapacity(RdKafkaProduceBatch.maxRun)
                opaques.reserveCapacity(RdKafkaProduceBatch.maxRun)
            }
            self.topic = topic
            indices.append(index)
            tags.append(tag)
            opaques.append(tag.retainedOpaque())
        }
    }

    /// Produces the run gathered so far, and empties it.
    private func produce(_ run: inout ProduceRun, of messages: UnsafeBufferPointer<KafkaProducerMessage>, failingTo delivery: DeliveryHandler) {
        guard let topic = run.topic, !run.indices.isEmpty else { return }
        RdKafkaProduceBatch.produce(topic, messages, run.indices, opaques: run.opaques) { slot, error in
            _ = DeliveryTag(consuming: run.opaques[slot])
            let message = messages[run.indices[slot]]
            delivery.failed(run.tags[slot].pending(message), KafkaDeliveryFailure(error), inDeliveryReport: false)
        }
        run.topic = nil
        run.indices.removeAll(keepingCapacity: true)
        run.tags.removeAll(keepingCapacity: true)
        run.opaques.removeAll(keepingCapacity: true)
    }

    /// One attempt, inside the call gate.
    private func produce(_ tag: DeliveryTag, _ message: KafkaProducerMessage, isOpen: Bool, failingTo delivery: DeliveryHandler) {
        guard isOpen else {
            delivery.finallyFail(tag.pending(message), .shutDown)
            return
        }
        let opaque = tag.retainedOpaque()
        let error = RdKafkaProduce.produce(handle.raw, message, heldValue: tag.heldValue, topic: topics.handle(named: message.topic)?.raw, opaque: opaque)
        if error != RD_KAFKA_RESP_ERR_NO_ERROR {
            _ = DeliveryTag(consuming: opaque)
            delivery.failed(tag.pending(message), KafkaDeliveryFailure(error), inDeliveryReport: false)
        }
    }

    /// Lets no more calls in and waits (microseconds) for those inside, so that nothing
    /// touches the handle once it is destroyed. False when it was closed already.
    func close() -> Bool {
        calls.close()
    }
}
