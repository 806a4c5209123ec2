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

    /// Hands a batch of attempts to librdkafka with one pass through the call gate: `body`
    /// calls the ``Batch``'s `submit` once per attempt, and the poll thread is nudged once,
    /// after the last. Each attempt is settled as one handed over by ``submit(_:_:failingTo:)``.
    func submitBatch(failingTo delivery: DeliveryHandler, _ body: (Batch) -> Void) {
        calls.enter { isOpen in
            body(Batch(submitter: self, isOpen: isOpen, delivery: delivery))
            poller.serveIfIdle()
        }
    }

    /// The attempts of one ``submitBatch(failingTo:_:)``, inside the call gate: valid only in
    /// its body.
    struct Batch {
        fileprivate let submitter: ProducerSubmitter
        fileprivate let isOpen: Bool
        fileprivate let delivery: DeliveryHandler

        fileprivate init(submitter: ProducerSubmitter, isOpen: Bool, delivery: DeliveryHandler) {
            self.submitter = submitter
            self.isOpen = isOpen
            self.delivery = delivery
        }

        func submit(_ tag: DeliveryTag, _ message: KafkaProducerMessage) {
            submitter.produce(tag, message, isOpen: isOpen, failingTo: delivery)
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
