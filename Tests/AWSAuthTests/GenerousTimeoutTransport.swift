import AWSAuth

/// The real ``URLSessionHTTPTransport`` with every request's timeout raised to at least
/// `minimum`, for tests that build providers whose timeout they cannot pass
/// (`DefaultCredentialChain.make`, `ContainerCredentialProvider.fromEnvironment`). Those
/// providers default to 1-2 s, short enough for a loopback stub on a loaded 2-core machine to
/// miss, so a test expecting an answer would fail for a reason that has nothing to do with what
/// it proves. Nothing is faked: every request still goes over TCP to the stub.
struct GenerousTimeoutTransport: HTTPTransport {
    let minimum: Duration
    private let transport = URLSessionHTTPTransport()

    init(minimum: Duration = .seconds(10)) {
        self.minimum = minimum
    }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        var request = request
        request.timeout = max(request.timeout, minimum)
        return try await transport.send(request)
    }
}
