import AWSAuth
import Foundation
import Synchronization

/// An AWSAuth `WallClock` that only moves when a test moves it: hours of credential rotations
/// run in milliseconds, deterministically.
///
/// ``sleep(until:)`` parks the caller until ``advance(to:)`` (or ``advance(by:)``) reaches its
/// deadline, or its task is cancelled. Background work that sleeps on this clock therefore stops
/// at a well-defined point; a test lets it catch up with ``waitForSleepers(_:)``:
///
/// ```swift
/// let clock = ManualWallClock()
/// let cache = try RefreshingCredentialCache(provider: provider, clock: clock)
/// try await clock.waitForSleepers()         // first fetch done; the refresher parks
/// for _ in 0..<100 {
///     clock.advanceToNextDeadline()         // wakes the refresher...
///     try await clock.waitForSleepers()     // ...which refreshes and parks again
/// }
/// ```
///
/// Time never goes backwards: advancing to an earlier date does nothing.
public final class ManualWallClock: WallClock {
    private struct Sleeper {
        let deadline: Date
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct CountWaiter {
        let condition: @Sendable (Int) -> Bool
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Date
        var nextID: UInt64 = 0
        var sleepers: [UInt64: Sleeper] = [:]
        var countWaiters: [UInt64: CountWaiter] = [:]

        mutating func makeID() -> UInt64 {
            nextID += 1
            return nextID
        }

        /// Removes and returns the count waiters satisfied by the current number of sleepers.
        mutating func takeSatisfiedCountWaiters() -> [CheckedContinuation<Void, any Error>] {
            let satisfied = countWaiters.filter { $0.value.condition(sleepers.count) }
            for id in satisfied.keys { countWaiters[id] = nil }
            return satisfied.values.map(\.continuation)
        }
    }

    private let state: Mutex<State>

    /// Creates a clock showing `start` until advanced. The default is a fixed date
    /// (2027-01-15T08:00:00Z), so that test output is reproducible.
    public init(start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        state = Mutex(State(now: start))
    }

    /// The current time on this clock.
    public func now() -> Date {
        state.withLock { $0.now }
    }

    /// Suspends until the clock has been advanced to `deadline` or later. Returns at once if it
    /// already has; throws `CancellationError` when the task is cancelled.
    public func sleep(until deadline: Date) async throws {
        let id = state.withLock { $0.makeID() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let parked = state.withLock { state -> (Bool, [CheckedContinuation<Void, any Error>]) in
                    guard deadline > state.now else { return (false, []) }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return (true, state.takeSatisfiedCountWaiters())
                }
                parked.1.forEach { $0.resume() }
                if !parked.0 {
                    continuation.resume()
                } else if Task.isCancelled {
                    // Cancelled before we parked: the handler found nothing to cancel.
                    cancelSleeper(id)
                }
            }
        } onCancel: {
            cancelSleeper(id)
        }
    }

    /// Moves the clock forward by `interval` seconds and wakes every sleeper whose deadline is
    /// reached.
    public func advance(by interval: TimeInterval) {
        advance(to: now().addingTimeInterval(interval))
    }

    /// Moves the clock forward to `date` and wakes every sleeper whose deadline is reached.
    /// Does nothing if `date` is not later than ``now()``.
    public func advance(to date: Date) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            guard date > state.now else { return [] }
            state.now = date
            let due = state.sleepers.filter { $0.value.deadline <= date }
            guard !due.isEmpty else { return [] }
            for id in due.keys { state.sleepers[id] = nil }
            return due.values.map(\.continuation) + state.takeSatisfiedCountWaiters()
        }
        woken.forEach { $0.resume() }
    }

    /// Advances to the earliest deadline of the parked sleepers, waking them, and returns it;
    /// `nil` (and no change) when nobody sleeps.
    @discardableResult
    public func advanceToNextDeadline() -> Date? {
        guard let deadline = nextDeadline else { return nil }
        advance(to: deadline)
        return deadline
    }

    /// How many tasks are parked in ``sleep(until:)``.
    public var sleeperCount: Int {
        state.withLock { $0.sleepers.count }
    }

    /// The earliest deadline among the parked sleepers.
    public var nextDeadline: Date? {
        state.withLock { $0.sleepers.values.map(\.deadline).min() }
    }

    /// Suspends until at least `count` tasks are parked in ``sleep(until:)``: the way for a test
    /// to wait until background work has caught up with the last ``advance(to:)`` and gone back
    /// to sleep. Event-driven: no polling, no real-time sleeps.
    ///
    /// - Throws: `CancellationError` when the waiting task is cancelled.
    public func waitForSleepers(_ count: Int = 1) async throws {
        try await waitForSleepers(where: { $0 >= count })
    }

    /// Suspends until exactly `count` tasks are parked in ``sleep(until:)`` — `0` to wait until
    /// everything sleeping on this clock has been woken or cancelled.
    ///
    /// - Throws: `CancellationError` when the waiting task is cancelled.
    public func waitForSleepers(exactly count: Int) async throws {
        try await waitForSleepers(where: { $0 == count })
    }

    private func waitForSleepers(where condition: @escaping @Sendable (Int) -> Bool) async throws {
        let id = state.withLock { $0.makeID() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let satisfied = state.withLock { state -> Bool in
                    guard !condition(state.sleepers.count) else { return true }
                    state.countWaiters[id] = CountWaiter(condition: condition, continuation: continuation)
                    return false
                }
                if satisfied {
                    continuation.resume()
                } else if Task.isCancelled {
                    cancelCountWaiter(id)
                }
            }
        } onCancel: {
            cancelCountWaiter(id)
        }
    }

    private func cancelSleeper(_ id: UInt64) {
        let (sleeper, satisfied) = state.withLock { state in
            let sleeper = state.sleepers.removeValue(forKey: id)
            return (sleeper, sleeper == nil ? [] : state.takeSatisfiedCountWaiters())
        }
        sleeper?.continuation.resume(throwing: CancellationError())
        satisfied.forEach { $0.resume() }
    }

    private func cancelCountWaiter(_ id: UInt64) {
        state.withLock { $0.countWaiters.removeValue(forKey: id) }?.continuation.resume(throwing: CancellationError())
    }
}
