import Synchronization
import Testing
@testable import MSKKafka

/// The one-task retry scheduler: releases attempts in due order, however they were scheduled,
/// and hands back what still waits when closed.
struct RetrySchedulerTests {
    final class Fired: Sendable {
        let values = Mutex<[String]>([])
    }

    static func pending(_ value: String) -> PendingMessage {
        PendingMessage(message: KafkaProducerMessage(topic: "t", value: value), attempt: 1, byteCount: value.utf8.count, target: .completion(.handler { _ in }))
    }

    @Test func releasesInDueOrderAndReturnsTheRestOnClose() async throws {
        let fired = Fired()
        let scheduler = RetryScheduler<PendingMessage> { pending in
            fired.values.withLock { $0.append(String(decoding: pending.message.value, as: UTF8.self)) }
        }
        #expect(scheduler.schedule(Self.pending("third"), after: .milliseconds(600)))
        #expect(scheduler.schedule(Self.pending("first"), after: .milliseconds(100)))
        #expect(scheduler.schedule(Self.pending("second"), after: .milliseconds(300)))
        #expect(scheduler.schedule(Self.pending("never"), after: .seconds(3600)))
        let deadline = ContinuousClock.now + .seconds(20)
        while fired.values.withLock({ $0.count }) < 3, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(fired.values.withLock { $0 } == ["first", "second", "third"])
        let left = scheduler.close()
        #expect(left.map { String(decoding: $0.message.value, as: UTF8.self) } == ["never"])
        #expect(!scheduler.schedule(Self.pending("late"), after: .zero), "a closed scheduler keeps nothing")
    }
}
