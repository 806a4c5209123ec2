import Testing
@testable import MSKKafka

/// The per-key hold-back's decisions, without librdkafka: what is held, in which order failed
/// messages go again, when a key is freed, and what counts as a break.
struct KeyOrderLanesTests {
    static func message(_ value: String, key: String? = "k") -> KafkaProducerMessage {
        KafkaProducerMessage(topic: "t", key: key, value: value)
    }

    static func pending(_ value: String, attempt: Int) -> PendingMessage {
        PendingMessage(message: message(value), attempt: attempt, byteCount: value.utf8.count, target: .events)
    }

    static func values(_ batch: [PendingMessage]) -> [String] {
        batch.map { String(decoding: $0.message.value, as: UTF8.self) }
    }

    let key = KeyOrderLanes.Key(topic: "t", partition: nil, bytes: Array("k".utf8))

    @Test func aFailedKeyHoldsItsLaterMessagesAndGoesAgainInOrderThenFreesItself() {
        let lanes = KeyOrderLanes()
        #expect(!lanes.isHolding)
        #expect(!lanes.hold(Self.message("before"), byteCount: 6, target: .events), "nothing is held before a failure")
        // The first failure schedules the release after its backoff; later failures join in order.
        #expect(lanes.failed(key, retry: Self.pending("m1", attempt: 2), backoff: .milliseconds(100), reported: true) == .schedule(.milliseconds(100)))
        #expect(lanes.failed(key, retry: Self.pending("m2", attempt: 2), backoff: .milliseconds(100), reported: true) == .nothing)
        #expect(lanes.isHolding && lanes.heldKeys == 1)
        #expect(lanes.hold(Self.message("m3"), byteCount: 2, target: .events))
        #expect(!lanes.hold(Self.message("other", key: "x"), byteCount: 5, target: .events), "other keys flow on")
        #expect(!lanes.hold(Self.message("keyless", key: nil), byteCount: 7, target: .events), "messages without a key are never held")

        let (run, then) = lanes.takeRun(key)
        #expect(Self.values(run) == ["m1", "m2"] && then == .nothing)
        // m1 stored, m2 failed again: m2 goes again alone, after its own backoff this time.
        #expect(lanes.delivered(key, attempt: 2) == .next(.nothing))
        #expect(lanes.failed(key, retry: Self.pending("m2", attempt: 3), backoff: .milliseconds(200), reported: true) == .schedule(.milliseconds(200)))
        #expect(Self.values(lanes.takeRun(key).run) == ["m2"])
        #expect(lanes.delivered(key, attempt: 3) == .next(.releaseHeld), "every failed message is stored: the held ones go")
        #expect(lanes.hold(Self.message("m4"), byteCount: 2, target: .events), "held until the held ones are handed over")
        guard case .produce(let held) = lanes.takeHeld(key) else { Issue.record("expected the held messages"); return }
        #expect(Self.values(held) == ["m3", "m4"])
        guard case .finished(.nothing) = lanes.takeHeld(key) else { Issue.record("expected the key freed"); return }
        #expect(!lanes.isHolding)
        #expect(!lanes.hold(Self.message("m5"), byteCount: 2, target: .events))
    }

    @Test func aFinalFailureFreesTheKeyAndAnEarlierStoreIsABreakOnce() {
        let lanes = KeyOrderLanes()
        _ = lanes.failed(key, retry: Self.pending("m1", attempt: 2), backoff: .zero, reported: true)
        #expect(lanes.delivered(key, attempt: 1) == .overtaken, "a first attempt stored while m1 waits: overtaken")
        #expect(lanes.delivered(key, attempt: 1) == .next(.nothing), "reported once")
        #expect(lanes.hold(Self.message("m3"), byteCount: 2, target: .events))
        #expect(Self.values(lanes.takeRun(key).run) == ["m1"])
        #expect(lanes.finallyFailed(key, attempt: 2) == .releaseHeld)
        guard case .produce(let held) = lanes.takeHeld(key) else { Issue.record("expected m3"); return }
        #expect(Self.values(held) == ["m3"])
    }

    /// A failure refused at enqueue leaves nothing younger of its key in librdkafka: a first
    /// attempt stored meanwhile was sent before it, which is no break.
    @Test func anEarlierMessageStoredAfterARefusalIsNoBreak() {
        let lanes = KeyOrderLanes()
        #expect(lanes.failed(key, retry: Self.pending("m2", attempt: 2), backoff: .milliseconds(5), reported: false) == .schedule(.milliseconds(5)))
        #expect(lanes.delivered(key, attempt: 1) == .next(.nothing), "m1, sent before m2 was refused")
        #expect(lanes.hold(Self.message("m3"), byteCount: 2, target: .events))
        #expect(Self.values(lanes.takeRun(key).run) == ["m2"])
        #expect(lanes.delivered(key, attempt: 2) == .next(.releaseHeld))
    }

    @Test func aFirstAttemptThatFailsAfterAReleaseGoesAfterTheReleasedOnesThatFailAgain() {
        let lanes = KeyOrderLanes()
        _ = lanes.failed(key, retry: Self.pending("m1", attempt: 2), backoff: .zero, reported: true)
        #expect(Self.values(lanes.takeRun(key).run) == ["m1"])
        // m2, queued behind m1 before the key was held, fails only now (reported after m1's
        // release), then m1 fails again.
        #expect(lanes.failed(key, retry: Self.pending("m2", attempt: 2), backoff: .zero, reported: true) == .nothing)
        #expect(lanes.failed(key, retry: Self.pending("m1", attempt: 3), backoff: .zero, reported: true) == .schedule(.zero))
        #expect(Self.values(lanes.takeRun(key).run) == ["m1", "m2"])
    }

    @Test func closingHandsBackEveryMessageFailedOnesFirst() {
        let lanes = KeyOrderLanes()
        _ = lanes.failed(key, retry: Self.pending("m1", attempt: 2), backoff: .zero, reported: true)
        #expect(lanes.hold(Self.message("m2"), byteCount: 2, target: .events))
        #expect(Self.values(lanes.close()) == ["m1", "m2"])
        #expect(!lanes.isHolding)
        #expect(lanes.failed(key, retry: Self.pending("m3", attempt: 2), backoff: .zero, reported: true) == nil, "closed: the caller fails it")
        #expect(lanes.finallyFailed(key, attempt: 2) == nil, "closed: no break to report at shutdown")
        #expect(!lanes.hold(Self.message("m4"), byteCount: 2, target: .events))
    }
}
