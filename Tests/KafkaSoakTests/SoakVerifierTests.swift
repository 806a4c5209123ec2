import KafkaSoak
import Testing

/// The consumer's accounting on crafted sequences.
@Suite struct SoakVerifierTests {
    static func message(_ stream: String, _ sequence: Int, sentMs: Int64 = 1_000, end: Bool = false) -> [UInt8] {
        SoakPayload(streamID: stream, sequence: sequence, sentMs: sentMs, isEnd: end).encoded(size: 80)
    }

    static func verifier(_ messages: [[UInt8]]) -> SoakVerifier {
        var verifier = SoakVerifier()
        for message in messages { verifier.record(message, receivedMs: 1_250) }
        return verifier
    }

    @Test func aCompleteStreamWithItsEndMarker() {
        let verifier = Self.verifier((0..<5).map { Self.message("a", $0) } + [Self.message("a", 5, end: true)])
        #expect(verifier.consumed == 6, "the end marker is consumed too")
        #expect(verifier.uniqueCount == 5)
        #expect(verifier.ends == ["a": 5])
        #expect(verifier.missing == 0 && verifier.duplicates == 0 && verifier.outOfOrder == 0 && verifier.corrupted == 0)
        #expect(verifier.isComplete("a"))
        #expect(verifier.gapSummary().isEmpty)
        #expect(verifier.streams == ["a"])
    }

    @Test func missingBelowTheHighestSeenThenBelowTheEndMarker() {
        var verifier = Self.verifier([0, 1, 3, 4].map { Self.message("a", $0) })
        #expect(verifier.missing == 1)
        #expect(verifier.gapSummary() == ["a: 2"])
        #expect(!verifier.isComplete("a"), "no end marker yet")
        // The end marker says 8 were sent: 5, 6 and 7 never came either.
        verifier.record(Self.message("a", 8, end: true), receivedMs: 1_250)
        #expect(verifier.missing == 4)
        #expect(verifier.gapSummary() == ["a: 2, 5..<8"])
        #expect(!verifier.isComplete("a"))
        #expect(verifier.missing(streamID: "a", delivered: [0, 1, 2, 3, 4]) == 1, "of those delivered, only 2")
    }

    @Test func aStreamSeenOnlyByItsEndMarkerMissesEverything() {
        let verifier = Self.verifier([Self.message("b", 3, end: true)])
        #expect(verifier.streams == ["b"])
        #expect(verifier.missing == 3)
        #expect(verifier.gapSummary() == ["b: 0..<3"])
    }

    @Test func duplicatesAreCountedOnce() {
        let verifier = Self.verifier([0, 1, 1, 2, 1].map { Self.message("a", $0) })
        #expect(verifier.consumed == 5)
        #expect(verifier.uniqueCount == 3)
        #expect(verifier.duplicates == 2)
        #expect(verifier.outOfOrder == 0, "a duplicate is not also out of order")
        #expect(verifier.missing == 0)
    }

    @Test func outOfOrderIsPerStream() {
        // a: 0 2 1 3 (1 late); b interleaved in order.
        let verifier = Self.verifier([Self.message("a", 0), Self.message("b", 0), Self.message("a", 2), Self.message("b", 1),
                                      Self.message("a", 1), Self.message("a", 3), Self.message("b", 2)])
        #expect(verifier.outOfOrder == 1)
        #expect(verifier.missing == 0)
        #expect(verifier.uniqueCount == 7)
        #expect(verifier.streams == ["a", "b"])
    }

    @Test func corruptedMessagesAreCountedAndNotAccounted() {
        var tampered = Self.message("a", 1)
        tampered[tampered.count - 1] = UInt8(ascii: "z")
        let verifier = Self.verifier([Self.message("a", 0), tampered, Array("not a soak message".utf8), Self.message("a", 2)])
        #expect(verifier.consumed == 4)
        #expect(verifier.corrupted == 2)
        #expect(verifier.uniqueCount == 2)
        #expect(verifier.missing == 1, "the tampered one is missing: its sequence was never read intact")
        #expect(verifier.gapSummary() == ["a: 1"])
    }

    @Test func latencyIsReceivedMinusSent() {
        var verifier = Self.verifier([Self.message("a", 0, sentMs: 1_000), Self.message("a", 1, sentMs: 1_000)])
        #expect(verifier.percentile(0.5) == 250)
        #expect(verifier.intervalLatency.totalCount == 2)
        verifier.resetInterval()
        #expect(verifier.intervalLatency.totalCount == 0)
        #expect(verifier.latency.totalCount == 2, "the whole run's histogram keeps everything")
        // A message from the future counts as 0 ms, not a negative number.
        verifier.record(Self.message("a", 2, sentMs: 5_000), receivedMs: 1_250)
        #expect(verifier.latency.min == 0)
    }
}
