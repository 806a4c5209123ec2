import CRdKafka

// Serving the client's callbacks: delivery reports, errors, logs and statistics arrive on its
// main queue, which ``PollThread`` (producer) or the consumer's reader serves.
extension RdKafkaClient {
    /// Serves the main queue's callbacks, waiting up to `timeoutMs` for one.
    @inline(__always)
    func poll(timeoutMs: Int32) {
        rd_kafka_poll(handle.raw, timeoutMs)
    }

    /// Has librdkafka call `wake` (with `opaque`, on one of its threads, under the queue's
    /// lock) whenever the main queue goes from empty to not empty. Returns the queue, for
    /// ``stopWatching(_:)``.
    func watchMainQueue(_ wake: @escaping @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Void, opaque: UnsafeMutableRawPointer) -> RdKafkaPointer {
        let queue = rd_kafka_queue_get_main(handle.raw)!
        rd_kafka_queue_cb_event_enable(queue, wake, opaque)
        return RdKafkaPointer(queue)
    }

    /// Stops the calls ``watchMainQueue(_:opaque:)`` started and gives the queue back.
    func stopWatching(_ queue: RdKafkaPointer) {
        rd_kafka_queue_cb_event_enable(queue.raw, nil, nil)
        rd_kafka_queue_destroy(queue.raw)
    }

    /// Names the calling thread as `top -H` and profilers show it (at most 15 bytes), for the
    /// threads that serve a client: Foundation's `Thread.name` does not reach it on Linux.
    static func nameCurrentThread(_ name: String) {
        crdkafka_name_this_thread(name)
    }
}
