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
    fileprivate let topics: ProducerTopics
    fileprivate let poller: PollThread
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

    /// Hands a batch of attempts to librdkafka with one pass through the call gate: `body`
    /// calls the ``Batch``'s `submit` once per attempt, in order. Each attempt is settled as one
    /// handed over by ``submit(_:_:failingTo:)``.
    func submitBatch(failingTo delivery: DeliveryHandler, _ body: (inout Batch) -> Void) {
        calls.enter { isOpen in
            var batch = Batch(submitter: self, isOpen: isOpen, delivery: delivery)
            body(&batch)
            batch.finishRun()
        }
    }

    /// The attempts of one ``submitBatch(failingTo:_:)``, inside the call gate: valid only in
    /// its body. Consecutive attempts to one topic that `rd_kafka_produce_batch` can take
    /// (``RdKafkaProduceBatch/takes(_:)``) go to librdkafka together, up to
    /// ``RdKafkaProduceBatch/maxRun`` at a time; any other goes alone, after those before it.
    struct Batch {
        private let submitter: ProducerSubmitter
        private let isOpen: Bool
        private let delivery: DeliveryHandler
        private var runTopic: RdKafkaPointer?
        private var runTags: [DeliveryTag] = []
        private var runMessages: [KafkaProducerMessage] = []
        private var runOpaques: [UnsafeMutableRawPointer] = []

        fileprivate init(submitter: ProducerSubmitter, isOpen: Bool, delivery: DeliveryHandler) {
            self.submitter = submitter
            self.isOpen = isOpen
            self.delivery = delivery
        }

        mutating func submit(_ tag: DeliveryTag, _ message: KafkaProducerMessage) {
            // A held value is pointed to, not copied: not in a run, whose values are copied.
            guard isOpen, tag.heldValue == nil, RdKafkaProduceBatch.takes(message), let topic = submitter.topics.handle(named: message.topic) else {
                finishRun()
                submitter.produce(tag, message, isOpen: isOpen, failingTo: delivery)
                submitter.poller.serveIfIdle()
                return
            }
            if let runTopic, runTopic.raw != topic.raw { finishRun() }
            if runTags.isEmpty {
                runTags.reserveCapacity(RdKafkaProduceBatch.maxRun)
                runMessages.reserveCapacity(RdKafkaProduceBatch.maxRun)
                runOpaques.reserveCapacity(RdKafkaProduceBatch.maxRun)
            }
            runTopic = topic
            runTags.append(tag)
            runMessages.append(message)
            runOpaques.append(tag.retainedOpaque())
            if runTags.count == RdKafkaProduceBatch.maxRun { finishRun() }
        }

        /// Produces the run gathered so far.
        fileprivate mutating func finishRun() {
            guard let topic = runTopic, !runTags.isEmpty else { return }
            do {
                // Copies for the closure (no access to `self` while it is being changed); gone
                // before the arrays are emptied, so that emptying them keeps their storage.
                let tags = runTags, messages = runMessages, opaques = runOpaques, delivery = delivery
                RdKafkaProduceBatch.produce(topic.raw, messages[...], opaques: opaques[...]) { slot, error in
                    _ = DeliveryTag(consuming: opaques[slot])
                    delivery.failed(tags[slot].pending(messages[slot]), KafkaDeliveryFailure(error), inDeliveryReport: false)
                }
            }
            runTopic = nil
            runTags.removeAll(keepingCapacity: true)
            runMessages.removeAll(keepingCapacity: true)
            runOpaques.removeAll(keepingCapacity: true)
            submitter.poller.serveIfIdle()
        }
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
