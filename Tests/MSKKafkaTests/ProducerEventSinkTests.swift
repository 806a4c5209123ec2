import Testing
@testable import MSKKafka

/// The events stream keeps a bounded weight of events the application has not read; what does
/// not fit is counted, so that a lost report is never a silent one.
struct ProducerEventSinkTests {
    static func sink(maxUnreadBytes: Int) throws -> (ProducerEventSink, ProducerBuffer, KafkaClientCounters) {
        let buffer = ProducerBuffer(maxMessages: 10_000, maxBytes: 1 << 20, backpressure: .failFast)
        let counters = KafkaClientCounters(clientID: "sink-test")
        // A client that never connects: these reports name their topics themselves.
        let (client, _) = try TestClient.producer()
        return (ProducerEventSink(buffer: buffer, counters: counters, topics: ProducerTopics(client: client), maxUnreadBytes: maxUnreadBytes), buffer, counters)
    }

    @Test func failuresBeyondTheBoundAreCounted() async throws {
        // A failure of a 1-byte message weighs 129: room for two.
        let (sink, buffer, counters) = try Self.sink(maxUnreadBytes: 2 * 129)
        for index in 0..<5 {
            #expect(buffer.tryAcquire(bytes: 1))
            sink.failed(KafkaProducerMessage(topic: "t", value: "\(index)"), .shutDown, byteCount: 1, inDeliveryReport: false)
        }
        #expect(counters.eventsDropped.value == 3)
        #expect(buffer.depth == (0, 0))
        sink.finish()
        var kept: [String] = []
        for await event in sink.events {
            if case .failed(let message, _) = event { kept.append(String(decoding: message.value, as: UTF8.self)) }
        }
        #expect(kept == ["0", "1"])
    }

    @Test func reportsWeighTheirSizeAndReadingMakesRoom() async throws {
        // Room for one event of 1,024 reports (32 KiB and a little), not for two.
        let (sink, buffer, counters) = try Self.sink(maxUnreadBytes: 40_000)
        func deliver(_ count: Int) {
            for index in 0..<count {
                #expect(buffer.tryAcquire(bytes: 1))
                sink.delivered(KafkaDeliveryReport(topic: "t", partition: 0, offset: Int64(index), timestampMs: nil, attempts: 1), byteCount: 1)
            }
            sink.flush()
        }
        deliver(1_024)
        deliver(1_024)
        #expect(counters.eventsDropped.value == 1, "the second event does not fit")
        #expect(counters.delivered.value == 2_048, "its deliveries are still counted")
        #expect(buffer.depth == (0, 0), "and their room given back")

        var events = sink.events.makeAsyncIterator()
        guard case .delivered(let first) = await events.next() else { Issue.record("expected reports"); return }
        #expect(first.count == 1_024)
        deliver(10)
        guard case .delivered(let next) = await events.next() else { Issue.record("expected reports"); return }
        #expect(next.map(\.offset) == Array(0..<10), "read events make room for new ones")
        #expect(counters.eventsDropped.value == 1)
    }
}
