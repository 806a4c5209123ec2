import MSKKafka
import MSKKafkaTesting
import Testing

@testable import MSKKafka

/// Delivery reports come as librdkafka events, a bounded number per serve. librdkafka signals
/// work only when its queue goes from empty to not empty, so what a serve leaves behind must be
/// served at once — not at the poll thread's next 50 ms tick, one event per tick.
@Suite(.timeLimit(.minutes(1)))
struct ProducerQueueServeTests {
    @Test func eventsABoundedServeLeavesBehindAreServedAtOnce() async throws {
        let cluster = try MockKafkaCluster()
        let partitions = 120
        cluster.createTopic("spread", partitions: Int32(partitions))
        // One event per serve: every serve leaves the rest behind.
        let producer = try KafkaProducer(configuration: KafkaProducerTests.configuration(cluster), logger: KafkaProducerTests.quiet,
                                         topicHandleLimit: ProducerTopics.defaultLimit, eventsPerServe: 1)
        _ = try await producer.send(KafkaProducerMessage(topic: "spread", partition: 0, value: "warm-up"))
        let delivered = Task {
            var count = 0
            for await event in producer.events {
                if case .delivered(let reports) = event { count += reports.count }
                if count == partitions { break }
            }
            return count
        }
        // A message to each partition: a delivery-report event each, arriving together. Left to
        // the 50 ms tick, the last would come some 6 s later.
        for partition in 0..<partitions {
            try await producer.enqueue(KafkaProducerMessage(topic: "spread", partition: Int32(partition), value: "one of many"))
        }
        let start = ContinuousClock.now
        let flushed = await producer.flush(timeout: .seconds(3))
        let took = ContinuousClock.now - start
        #expect(flushed, "\(producer.bufferDepth.messages) messages still unreported after \(took)")
        #expect(await delivered.value == partitions)
        await producer.shutdown()
    }
}
