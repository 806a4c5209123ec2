import AWSAuth
import Testing
@testable import KafkaCommandLine

/// The benchmark's ratio and its bootstrap interval.
struct PairedRatioEstimateTests {
    @Test func equalTimesGiveOneWithNoSpread() throws {
        let times = [0.8, 0.9, 1.1, 0.7, 1.0]
        let estimate = try #require(PairedRatioEstimate(reference: times, candidate: times))
        #expect(estimate.ratio == 1)
        #expect(estimate.low == 1 && estimate.high == 1, "every round's ratio is 1")
    }

    @Test func aCandidateTwiceAsSlowInEveryRoundIsAtOneHalf() throws {
        let reference = [0.8, 0.9, 1.1, 0.7, 1.0, 1.3]
        let estimate = try #require(PairedRatioEstimate(reference: reference, candidate: reference.map { $0 * 2 }))
        #expect(estimate.ratio == 0.5)
        #expect(estimate.low == 0.5 && estimate.high == 0.5)
    }

    /// Rounds on a machine whose speed swings by ±30%, the candidate at 0.9 of the reference's
    /// speed give or take 10%: the machine's swings cancel out, the interval holds 0.9 and not 1,
    /// and it is wider with fewer rounds.
    @Test func theIntervalHoldsTheTrueRatioAndNarrowsWithMoreRounds() throws {
        func rounds(_ count: Int) -> (reference: [Double], candidate: [Double]) {
            var generator = JitterGenerator(seed: 7)
            var reference: [Double] = [], candidate: [Double] = []
            for _ in 0..<count {
                let machine = 0.7 + Double(generator.next() % 1000) / 1000 * 0.6   // the round's speed
                let noise = 0.9 + Double(generator.next() % 1000) / 1000 * 0.2      // ±10% on the candidate
                reference.append(machine)
                candidate.append(machine / 0.9 * noise)
            }
            return (reference, candidate)
        }
        let many = rounds(41), few = rounds(5)
        let precise = try #require(PairedRatioEstimate(reference: many.reference, candidate: many.candidate))
        let rough = try #require(PairedRatioEstimate(reference: few.reference, candidate: few.candidate))
        #expect(precise.low <= 0.9 && 0.9 <= precise.high, "\(precise)")
        #expect(precise.high < 1, "41 rounds tell 0.9 from 1: \(precise)")
        #expect(precise.low <= precise.ratio && precise.ratio <= precise.high)
        #expect(rough.high - rough.low > precise.high - precise.low, "fewer rounds, a wider interval: \(rough) vs \(precise)")
    }

    @Test func theSameTimesGiveTheSameInterval() throws {
        let reference = [0.8, 0.95, 1.1, 0.7, 1.0, 0.85, 0.9]
        let candidate = [0.9, 0.9, 1.3, 0.75, 1.2, 0.8, 1.0]
        #expect(PairedRatioEstimate(reference: reference, candidate: candidate) == PairedRatioEstimate(reference: reference, candidate: candidate))
    }

    @Test func unusableTimesGiveNoEstimate() {
        #expect(PairedRatioEstimate(reference: [], candidate: []) == nil)
        #expect(PairedRatioEstimate(reference: [1, 2], candidate: [1]) == nil, "rounds must pair up")
        #expect(PairedRatioEstimate(reference: [1, .nan], candidate: [1, 1]) == nil)
        #expect(PairedRatioEstimate(reference: [1, 0], candidate: [1, 1]) == nil)
    }
}
