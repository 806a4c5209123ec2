import Foundation
import Synchronization
import Testing
@testable import AWSAuth
import AWSAuthTesting

@Suite(.timeLimit(.minutes(1)))
struct ManualWallClockTests {
    @Test func sleepersWakeOnlyWhenTimeReachesTheirDeadline() async throws {
        let clock = ManualWallClock()
        let start = clock.now()
        let woken = WokenLog()
        let sleepers = (1...3).map { index in
            Task {
                try await clock.sleep(until: start.addingTimeInterval(Double(index) * 10))
                woken.append(index)
            }
        }
        try await clock.waitForSleepers(3)
        #expect(clock.nextDeadline == start.addingTimeInterval(10))

        clock.advance(by: 15)
        try await clock.waitForSleepers(exactly: 2)
        try await sleepers[0].value
        #expect(woken.all == [1])

        #expect(clock.advanceToNextDeadline() == start.addingTimeInterval(20))
        try await sleepers[1].value
        clock.advance(to: start.addingTimeInterval(3600))
        try await sleepers[2].value
        #expect(woken.all == [1, 2, 3])
        #expect(clock.sleeperCount == 0)
        #expect(clock.advanceToNextDeadline() == nil)
    }

    @Test func sleepingUntilThePastReturnsAtOnce() async throws {
        let clock = ManualWallClock()
        try await clock.sleep(until: clock.now())
        try await clock.sleep(until: clock.now().addingTimeInterval(-60))
        #expect(clock.sleeperCount == 0)
    }

    @Test func timeNeverGoesBackwards() {
        let clock = ManualWallClock(start: Date(timeIntervalSince1970: 1000))
        clock.advance(to: Date(timeIntervalSince1970: 500))
        #expect(clock.now() == Date(timeIntervalSince1970: 1000))
        clock.advance(by: -10)
        #expect(clock.now() == Date(timeIntervalSince1970: 1000))
        clock.advance(by: 0.5)
        #expect(clock.now() == Date(timeIntervalSince1970: 1000.5))
    }

    @Test func cancellingASleeperWakesItWithCancellationError() async throws {
        let clock = ManualWallClock()
        let sleeper = Task { try await clock.sleep(until: clock.now().addingTimeInterval(60)) }
        try await clock.waitForSleepers(exactly: 1)
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(clock.sleeperCount == 0)

        // Cancelled before it even starts sleeping.
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await clock.sleep(until: clock.now().addingTimeInterval(60))
        }
        await #expect(throws: CancellationError.self) { try await early.value }
        #expect(clock.sleeperCount == 0)
    }

    @Test func waitingForSleepersCanBeCancelled() async throws {
        let clock = ManualWallClock()
        let waiter = Task { try await clock.waitForSleepers(5) }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
    }
}

/// Which sleepers woke, in order.
private final class WokenLog: Sendable {
    private let indices = Mutex<[Int]>([])
    var all: [Int] { indices.withLock { $0 } }
    func append(_ index: Int) { indices.withLock { $0.append(index) } }
}

