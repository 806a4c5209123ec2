import Foundation
import Synchronization

/// How an STS call fails when a fault is injected.
public enum STSFault: String, Sendable, Codable, CaseIterable {
    /// HTTP 500 with an `InternalFailure` error document.
    case internalError = "500"
    /// HTTP 400 `Throttling`.
    case throttling
    /// No answer until the client gives up (the connection is closed after 60 s).
    case hang
    /// HTTP 200 with a body that is not XML.
    case malformed
}

/// Faults on demand, shared by the gateway and the AWS endpoints. Every setter is also reachable
/// through the control API.
public final class MSKLocalFaults: Sendable {
    private struct State {
        var rejectNextAuthentications = 0
        /// The fault the next STS calls meet, and how many of them (a count, not a list: it is set
        /// from a control request).
        var stsFailure: STSFault = .internalError
        var stsFailuresLeft = 0
        var stsDownUntil: Date?
        var clockSkew: TimeInterval = 0
        var authenticationDelay: Duration = .zero
    }

    private let state = Mutex(State())

    /// No faults.
    public init() {}

    /// The next `count` authentications are refused (``MSKTokenRejection/rejectedByFault``).
    public func rejectNextAuthentications(_ count: Int) {
        state.withLock { $0.rejectNextAuthentications = max(0, count) }
    }

    /// The next `count` STS calls fail with `fault`.
    public func failNextSTSCalls(_ count: Int, with fault: STSFault) {
        state.withLock { $0.stsFailure = fault; $0.stsFailuresLeft = max(0, count) }
    }

    /// Every STS call fails with HTTP 503 until `date` (`nil`: STS is back).
    public func stsDown(until date: Date?) {
        state.withLock { $0.stsDownUntil = date }
    }

    /// msk-local's clock runs `skew` seconds ahead of the real one (negative: behind).
    public func setClockSkew(_ skew: TimeInterval) {
        state.withLock { $0.clockSkew = skew }
    }

    /// Every SaslAuthenticate answer is delayed by `delay`.
    public func setAuthenticationDelay(_ delay: Duration) {
        state.withLock { $0.authenticationDelay = delay }
    }

    /// Clears every fault.
    public func reset() {
        state.withLock { $0 = State() }
    }

    /// msk-local's notion of now.
    public func now() -> Date {
        Date().addingTimeInterval(state.withLock { $0.clockSkew })
    }

    var authenticationDelay: Duration { state.withLock { $0.authenticationDelay } }

    /// Consumes one "reject the next authentication", if any is pending.
    func takeAuthenticationRejection() -> Bool {
        state.withLock { state in
            guard state.rejectNextAuthentications > 0 else { return false }
            state.rejectNextAuthentications -= 1
            return true
        }
    }

    /// The fault this STS call meets, if any: down (`.internalError` with 503) or the next queued.
    func takeSTSFault(now: Date) -> (fault: STSFault, down: Bool)? {
        state.withLock { state in
            if let until = state.stsDownUntil {
                if now < until { return (.internalError, true) }
                state.stsDownUntil = nil
            }
            guard state.stsFailuresLeft > 0 else { return nil }
            state.stsFailuresLeft -= 1
            return (state.stsFailure, false)
        }
    }
}
