import KafkaSoak
import Testing

@Suite struct SequenceSetTests {
    @Test func insertsOnceAndRefusesNegatives() {
        var set = SequenceSet()
        let inserted = [set.insert(0), set.insert(64), set.insert(64), set.insert(-1)]
        #expect(inserted == [true, true, false, false], "64 was already there; negatives are refused")
        #expect(set.count == 2)
        #expect(set.contains(0) && set.contains(64))
        #expect(!set.contains(1) && !set.contains(-1) && !set.contains(1_000_000))
    }

    @Test func countsBelowALimitAcrossWordBoundaries() {
        var set = SequenceSet()
        for sequence in [0, 1, 62, 63, 64, 65, 127, 128, 200] { _ = set.insert(sequence) }
        #expect(set.count(below: 0) == 0)
        #expect(set.count(below: 1) == 1)
        #expect(set.count(below: 63) == 3)
        #expect(set.count(below: 64) == 4)
        #expect(set.count(below: 65) == 5)
        #expect(set.count(below: 128) == 7)
        #expect(set.count(below: 129) == 8)
        #expect(set.count(below: 10_000) == 9, "a limit past the last word")
    }

    @Test func gapsAreTheAbsentRunsInOrder() {
        var set = SequenceSet()
        for sequence in [0, 1, 2, 5, 6, 9, 70] { _ = set.insert(sequence) }
        #expect(set.gaps(below: 12, maxRuns: 10) == [3..<5, 7..<9, 10..<12])
        #expect(set.gaps(below: 12, maxRuns: 2) == [3..<5, 7..<9], "at most maxRuns")
        #expect(set.gaps(below: 7, maxRuns: 10) == [3..<5])
        #expect(set.gaps(below: 3, maxRuns: 10) == [])
        #expect(set.gaps(below: 72, maxRuns: 10) == [3..<5, 7..<9, 10..<70, 71..<72])
        #expect(SequenceSet().gaps(below: 5, maxRuns: 3) == [0..<5])
        #expect(SequenceSet().gaps(below: 0, maxRuns: 3) == [])
    }
}
