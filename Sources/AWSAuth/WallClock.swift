import Foundation

/// The source of wall-clock time for everything that deals in expirations and signing dates.
///
/// Production code uses ``SystemWallClock``. Tests inject a manual clock so that hours of
/// credential rotations run in seconds.
public protocol WallClock: Sendable {
    /// The current time.
    func now() -> Date
    /// Suspends until `deadline` on this clock (or until the task is cancelled).
    func sleep(until deadline: Date) async throws
}

/// The real clock: `Date()` and `Task.sleep`.
public struct SystemWallClock: WallClock {
    /// Creates the system clock.
    public init() {}

    public func now() -> Date { Date() }

    public func sleep(until deadline: Date) async throws {
        let seconds = deadline.timeIntervalSinceNow
        if seconds > 0 {
            try await Task.sleep(for: .seconds(seconds))
        } else {
            try Task.checkCancellation()
        }
    }
}
