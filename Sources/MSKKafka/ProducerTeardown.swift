import Foundation

/// Everything that releasing a producer's librdkafka handle takes, held apart from the
/// ``KafkaProducer`` so that it can run after the producer itself is gone.
///
/// It has to when the last reference to a producer is dropped inside one of librdkafka's
/// callbacks — a completion handler that captured the producer, run by the poll thread:
/// `rd_kafka_destroy` may not be called from a librdkafka callback, and the poll thread cannot
/// wait for itself to stop. The producer's `deinit` then hands this to a new thread.
struct ProducerTeardown: Sendable {
    let client: RdKafkaClient
    let context: KafkaCallbackContext
    let delivery: DeliveryHandler
    let buffer: ProducerBuffer
    let topics: ProducerTopics
    let poller: PollThread

    /// Fails whatever is left (reported and dead-lettered), stops the poll thread and
    /// destroys the handle. The caller has made sure no produce call is inside librdkafka.
    func run() {
        buffer.close()
        delivery.close()
        // Whatever librdkafka still holds comes back as purge delivery reports, which the
        // delivery handler turns into final failures (reported and dead-lettered).
        client.purge()
        poller.stop()
        // Serve those reports before destroying the handle: rd_kafka_destroy would drop them.
        client.flush(timeout: .seconds(10)) { poller.serve(timeoutMs: 10) }
        topics.destroyAll()
        client.destroy()
        context.statistics.finish()
        delivery.events.finish()
    }

    /// Runs ``run()`` here, or on a new thread when this thread is inside one of the handle's
    /// callbacks.
    func runOffCallbackThread() {
        guard poller.isServingOnCurrentThread else {
            run()
            return
        }
        Thread.detachNewThread { run() }
    }
}
