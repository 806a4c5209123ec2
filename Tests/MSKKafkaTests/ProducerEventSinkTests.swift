import Testing
@testable import MSKKafka

/// The events stream keeps the newest events when the application does not read it; what it
/// pushes out is counted, so that a lost report is never a silent one.
struct ProducerEventSinkTests {
    @Test func eventsPushedOutOfAFullStreamAreCounted() async throws {
        let buffer = ProducerBuffer(maxMessages: 10, maxBytes: 1_000, backpressure: .failFast)
        let counters = KafkaClientCounters(clientID: "sink-test")
        let sink = ProducerEventSink(buffer: buffer, counters: counters, topics: ProducerTopics(), bufferingNewest: 2)
        for index in 0..<5 {
            #expect(buffer.tryAcquire(bytes: 1))
            sink.failed(KafkaProducerMessage(topic: "t", value: "\(index)"), .shutDown, byteCount: 1, inDeliveryReport: false)
        }
        #expect(counters.eventsDropped.value == 3)
        #expect(buffer.depth == (0, 0))
        sink.finish()
        var kept: [String] = []
        for await event in sink.stream {
            if case .failed(let message, _) = event { kept.append(String(decoding: message.value, as: UTF8.self)) }
        }
        #expect(kept == ["3", "4"])
    }
}
