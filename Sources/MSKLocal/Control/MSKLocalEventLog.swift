import Foundation
import Synchronization

/// One fault msk-local applied: when, what, and details (for soak reports' markers).
public struct MSKLocalEvent: Sendable, Codable, Equatable {
    /// Milliseconds since the epoch.
    public let timeMs: Int64
    /// `drop_connections`, `broker_down`, `broker_up`, `sts_down`, `sts_up`, `sts_fail`,
    /// `reject_authentications`, `clock_skew`, `auth_delay`, `reset`.
    public let kind: String
    /// Human-readable details.
    public let detail: String
}

/// The most recent faults (at most 10,000), readable through `GET /control/events?since=<ms>`.
public final class MSKLocalEventLog: Sendable {
    private let events = Mutex<[MSKLocalEvent]>([])
    private static let capacity = 10_000

    /// An empty log.
    public init() {}

    func record(_ kind: String, _ detail: String = "") {
        let event = MSKLocalEvent(timeMs: Int64(Date().timeIntervalSince1970 * 1000), kind: kind, detail: detail)
        events.withLock { events in
            events.append(event)
            if events.count > Self.capacity { events.removeFirst(events.count - Self.capacity) }
        }
    }

    /// Events at or after `sinceMs`.
    public func events(sinceMs: Int64 = 0) -> [MSKLocalEvent] {
        events.withLock { $0.filter { $0.timeMs >= sinceMs } }
    }
}
