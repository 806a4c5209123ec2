import Foundation
import Synchronization
@testable import AWSAuth

/// The cache's collaborator is only the provider protocol, so an in-process source is the real
/// thing here: it issues numbered credentials that expire `lifetime` after the clock's now,
/// and can be told to fail.
final class CountingCredentialSource: AWSCredentialProvider {
    struct Outage: Error, CustomStringConvertible {
        var description: String { "simulated STS outage (503 ServiceUnavailable)" }
    }

    let name = "counting-source"
    private let clock: any WallClock
    private let lifetime: TimeInterval?
    private let delay: Duration
    private let state = Mutex<(calls: Int, failing: Bool, callTimes: [Date])>((0, false, []))

    init(clock: any WallClock, lifetime: TimeInterval?, delay: Duration = .zero) {
        self.clock = clock
        self.lifetime = lifetime
        self.delay = delay
    }

    var calls: Int { state.withLock { $0.calls } }
    var callTimes: [Date] { state.withLock { $0.callTimes } }

    func setFailing(_ failing: Bool) { state.withLock { $0.failing = failing } }

    func credentials() async throws -> AWSCredentials {
        if delay > .zero { try await Task.sleep(for: delay) }
        let now = clock.now()
        let (number, failing) = state.withLock { state in
            state.calls += 1
            state.callTimes.append(now)
            return (state.calls, state.failing)
        }
        if failing { throw Outage() }
        return AWSCredentials(
            accessKeyID: "ASIATEST\(number)",
            secretAccessKey: "secret-\(number)",
            sessionToken: "session-token-\(number)",
            expiration: lifetime.map { now.addingTimeInterval($0) }
        )
    }
}
