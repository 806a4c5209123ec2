import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Why an HTTP exchange with an AWS endpoint failed before any response arrived.
public enum HTTPTransportError: Error, Sendable, CustomStringConvertible {
    /// No complete response within the request's timeout.
    case timedOut(url: String, after: Duration)
    /// The connection could not be made or broke (refused, reset, DNS, TLS, ...).
    case connectionFailed(url: String, reason: String)

    public var description: String {
        switch self {
        case .timedOut(let url, let after): return "no answer from \(url) within \(after)"
        case .connectionFailed(let url, let reason): return "could not reach \(url): \(reason)"
        }
    }
}

/// ``HTTPTransport`` over Foundation's `URLSession` (libcurl on Linux).
///
/// Chosen over async-http-client because it ships with the toolchain: credential fetches are
/// rare (minutes apart) and small, so a pooled NIO client buys nothing, while avoiding it keeps
/// `AWSAuth` light for services that only need signing. Every request gets an ephemeral
/// session setting (no cache, no cookies), the request timeout, and an overall deadline so a
/// server that accepts and then stalls can never hang a refresh.
public struct URLSessionHTTPTransport: HTTPTransport {
    private let session: URLSession

    /// Creates a transport with its own ephemeral `URLSession`.
    public init() {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        session = URLSession(configuration: configuration)
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        let seconds = Double(request.timeout.components.seconds) + Double(request.timeout.components.attoseconds) / 1e18
        urlRequest.timeoutInterval = seconds
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        if !request.body.isEmpty { urlRequest.httpBody = request.body }
        let url = request.url.absoluteString
        // The first of three ends the call: URLSession's answer, the overall deadline, or the
        // caller's cancellation. The deadline and cancellation do not wait for URLSession to
        // give its task up: a task group would, and a data task that ignores `cancel()` (seen
        // with swift-corelibs-foundation: a token minter stuck for good on an idle connection
        // to STS) would then hang the call — and every credential refresh behind it — forever.
        let outcome = ExchangeOutcome()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponse, any Error>) in
                outcome.start(continuation)
                let task = session.dataTask(with: urlRequest) { data, response, error in
                    outcome.finish(Self.result(data: data, response: response, error: error, url: url, timeout: request.timeout))
                }
                outcome.track(task)
                task.resume()
                // A little after URLSession's own timeout, which only covers idle time.
                DispatchQueue.global().asyncAfter(deadline: .now() + seconds + 0.25) {
                    outcome.finish(.failure(HTTPTransportError.timedOut(url: url, after: request.timeout)))
                }
            }
        } onCancel: {
            outcome.finish(.failure(CancellationError()))
        }
    }

    private static func result(data: Data?, response: URLResponse?, error: (any Error)?, url: String, timeout: Duration) -> Result<HTTPResponse, any Error> {
        if let error {
            if let urlError = error as? URLError, urlError.code == .timedOut { return .failure(HTTPTransportError.timedOut(url: url, after: timeout)) }
            if let urlError = error as? URLError, urlError.code == .cancelled { return .failure(CancellationError()) }
            return .failure(HTTPTransportError.connectionFailed(url: url, reason: reason(error)))
        }
        guard let http = response as? HTTPURLResponse else {
            return .failure(HTTPTransportError.connectionFailed(url: url, reason: "not an HTTP response"))
        }
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
        }
        return .success(HTTPResponse(status: http.statusCode, headers: headers, body: data ?? Data()))
    }

    private static func reason(_ error: any Error) -> String {
        if let urlError = error as? URLError {
            return "\(urlError.code) (\(urlError.localizedDescription))"
        }
        return "\(error)"
    }
}
