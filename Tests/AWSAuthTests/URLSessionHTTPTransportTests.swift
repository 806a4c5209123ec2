import Foundation
import TestSupport
import Testing
@testable import AWSAuth

@Suite(.timeLimit(.minutes(1)))
struct URLSessionHTTPTransportTests {
    /// README: "Each request has a timeout plus a hard overall deadline, so a server that accepts
    /// and then stalls cannot hang a refresh." `Fixtures/trickling_http_server.py` sends a byte
    /// every 0.5 s, so the connection is never idle for the timeout and only the overall
    /// deadline (the timeout plus 250 ms) can end the request; without it the server's answer
    /// would complete, as a 200, after about 40 s.
    ///
    /// `/body` is the case only the deadline catches: with it removed, that case got its 200
    /// after 40 s. A trickled head (`/status-line`) was ended by URLSession's own timeout even
    /// without the deadline (Linux, swift-corelibs-foundation); it stays as a second guard.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["MSK_ISOLATED_TESTS"] != nil, "timing-sensitive: runs apart from the busy suite (scripts/test.sh sets MSK_ISOLATED_TESTS)"), arguments: ["/status-line", "/body"])
    func aServerThatTricklesBytesHitsTheOverallDeadline(path: String) async throws {
        let server = try await LoopbackServerProcess.start(executable: "python3", arguments: [PackagePaths.fixture("trickling_http_server.py", target: "AWSAuthTests").path])
        defer { server.stop() }
        let timeout = Duration.seconds(3)
        let started = ContinuousClock.now
        do {
            let response = try await URLSessionHTTPTransport().send(HTTPRequest(method: "GET", url: server.baseURL.appendingPathComponent(String(path.dropFirst())), timeout: timeout))
            Issue.record("expected a timeout, got HTTP \(response.status) after \(ContinuousClock.now - started)")
        } catch HTTPTransportError.timedOut(_, let after) {
            #expect(after == timeout)
        }
        let elapsed = ContinuousClock.now - started
        // Not before the timeout (a lower bound holds however loaded the machine is), and long
        // before the trickle would end: 10 s of margin for a loaded machine. The lower bound
        // allows 50 ms: URLSession's own timer (which ends a trickled head) runs on Dispatch's
        // clock, not this `ContinuousClock`, and a clean-clone CI run saw it end 79 µs short of
        // 3 s by this clock. An early end worth the name is seconds short.
        #expect(elapsed >= timeout - .milliseconds(50), "\(elapsed)")
        #expect(elapsed < timeout + .milliseconds(250) + .seconds(10), "\(elapsed)")
    }

    /// A cancelled call ends at once with `CancellationError`, without waiting for its deadline
    /// or for URLSession to give the data task up: a refresh being torn down never hangs.
    @Test func aCancelledCallEndsLongBeforeItsDeadline() async throws {
        let server = try await LoopbackServerProcess.start(executable: "python3", arguments: [PackagePaths.fixture("trickling_http_server.py", target: "AWSAuthTests").path])
        defer { server.stop() }
        let started = ContinuousClock.now
        let call = Task {
            try await URLSessionHTTPTransport().send(HTTPRequest(method: "GET", url: server.baseURL.appendingPathComponent("body"), timeout: .seconds(40)))
        }
        try await Task.sleep(for: .milliseconds(500))
        call.cancel()
        let result = await call.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(ContinuousClock.now - started < .seconds(20), "the trickle alone would take 40 s")
    }
}
