import Logging
import Synchronization
import Testing
@testable import MSKKafka

struct DeliveryHandlerTests {
    /// The address of a local of the caller's frame: the difference between two of them is the
    /// stack used between the two calls.
    @inline(never)
    static func stackAddress() -> Int {
        var marker = 0
        return withUnsafeMutablePointer(to: &marker) { Int(bitPattern: $0) }
    }

    /// Regression: the reproduce closure used to live bare in a `Mutex`, and every read (one per
    /// retry) wrapped it in two more re-abstraction thunks, so each call went deeper until an
    /// hour-long soak's producer overflowed its stack after ~130,000 retries.
    @Test func readingTheReproducerOftenDoesNotDeepenItsCalls() {
        let buffer = ProducerBuffer(maxMessages: 10, maxBytes: 1000, backpressure: .failFast)
        let counters = KafkaClientCounters(clientID: "delivery-handler-test")
        let handler = DeliveryHandler(policy: .init(), buffer: buffer, events: ProducerEventSink(buffer: buffer, counters: counters, topics: ProducerTopics(), maxUnreadBytes: 1 << 20),
                                      counters: counters, logger: Logger(label: "test"), fatal: KafkaFatalState(idempotentProducer: true))
        let innermost = Atomic<Int>(0)
        handler.setReproduce { _ in innermost.store(Self.stackAddress(), ordering: .relaxed) }
        defer { handler.setReproduce(nil) }
        // 5,000 reads: enough to show the growth (it was ~64 bytes a read), few enough that the
        // old behaviour fails this expectation instead of crashing the test process.
        for _ in 0..<5_000 { _ = handler.reproducer }
        let outer = Self.stackAddress()
        handler.reproducer?.call(PendingMessage(message: KafkaProducerMessage(topic: "t", value: "v"), attempt: 1, byteCount: 1, target: .events))
        let used = outer - innermost.load(ordering: .relaxed)
        #expect(used > 0 && used < 16_384, "a call through the reproducer used \(used) bytes of stack")
    }
}
