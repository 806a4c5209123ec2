import Foundation
import Synchronization
@testable import AWSAuth

/// The cache's collaborator is only the provider protocol, so an in-process source is the real
/// thing here: it issues numbered credentials that expire `lifetime` after the clock's now,
/// and can be told to fail (now, or until a given instant) or to hold every call until released.
final class CountingCredentialSource: AWSCredentialProvider {
    struct Outage: Error, CustomStringConvertible {
        var call = 0
        var description: String { "simulated STS outage (503 ServiceUnavailable) on call \(call)" }
    }

    private struct State {
        var calls = 0
        var failing = false
        var failingUntil: Date?
        var callTimes: [Date] = []
        var holding = false
        var held: [Int: CheckedContinuation<Void, any Error>] = [:]
    }

    let name = "counting-source"
    private let clock: any WallClock
    private let lifetime: TimeInterval?
    private let delay: Duration
    private let state = Mutex(State())

    init(clock: any WallClock, lifetime: TimeInterval?, delay: Duration = .zero) {
        self.clock = clock
        self.lifetime = lifetime
        self.delay = delay
    }

    /// Calls started so far (held ones included).
    var calls: Int { state.withLock { $0.calls } }
    var callTimes: [Date] { state.withLock { $0.callTimes } }
    /// Calls parked by ``hold()`` right now.
    var heldCalls: Int { state.withLock { $0.held.count } }

    func setFailing(_ failing: Bool) { state.withLock { $0.failing = failing } }

    /// Fails every call made before `instant` on the clock.
    func failUntil(_ instant: Date) { state.withLock { $0.failingUntil = instant } }

    /// Parks every call from now on until ``release()`` (a cancelled call throws at once).
    func hold() { state.withLock { $0.holding = true } }

    /// Lets the parked calls go on and stops holding new ones.
    func release() {
        let held = state.withLock { state in
            state.holding = false
            defer { state.held = [:] }
            return Array(state.held.values)
        }
        held.forEach { $0.resume() }
    }

    func credentials() async throws -> AWSCredentials {
        if delay > .zero { try await Task.sleep(for: delay) }
        let (number, mustHold) = state.withLock { state in
            state.calls += 1
            state.callTimes.append(clock.now())
            return (state.calls, state.holding)
        }
        if mustHold { try await parked(number) }
        let now = clock.now()
        let failing = state.withLock { $0.failing || ($0.failingUntil.map { now < $0 } ?? false) }
        if failing { throw Outage(call: number) }
        return AWSCredentials(
            accessKeyID: "ASIATEST\(number)",
            secretAccessKey: "secret-\(number)",
            sessionToken: "session-token-\(number)",
            expiration: lifetime.map { now.addingTimeInterval($0) }
        )
    }

    private func parked(_ number: Int) async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let stillHolding = state.withLock { state in
                    if state.holding { state.held[number] = continuation }
                    return state.holding
                }
                if !stillHolding { continuation.resume() } else if Task.isCancelled { cancel(number) }
            }
        } onCancel: {
            cancel(number)
        }
    }

    private func cancel(_ number: Int) {
        state.withLock { $0.held.removeValue(forKey: number) }?.resume(throwing: CancellationError())
    }
}
