import Foundation

/// One HTTP request to an AWS endpoint (STS, IMDS, a container credentials endpoint).
public struct HTTPRequest: Sendable {
    /// `GET`, `PUT`, `POST`, ...
    public var method: String
    /// The full URL.
    public var url: URL
    /// Request headers. Names are case-insensitive on the wire.
    public var headers: [String: String]
    /// The request body; empty for none.
    public var body: Data
    /// How long the whole exchange may take before it fails with a timeout.
    public var timeout: Duration

    /// Creates a request.
    public init(method: String, url: URL, headers: [String: String] = [:], body: Data = Data(), timeout: Duration = .seconds(5)) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

/// The answer to an ``HTTPRequest``.
public struct HTTPResponse: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// Response headers, names lower-cased.
    public var headers: [String: String]
    /// The response body.
    public var body: Data

    /// Creates a response.
    public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// The small seam between the credential providers and an HTTP client.
///
/// Every implementation must honour ``HTTPRequest/timeout`` and must throw (never hang) on
/// connection errors. Tests use the default implementation against real servers on loopback.
public protocol HTTPTransport: Sendable {
    /// Sends the request and returns the response, whatever its status code.
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
}
