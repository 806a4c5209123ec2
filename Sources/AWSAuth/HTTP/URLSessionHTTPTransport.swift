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
        let session = self.session
        let prepared = urlRequest
        return try await withThrowingTaskGroup(of: HTTPResponse?.self) { group in
            group.addTask {
                do {
                    let (data, response) = try await session.data(for: prepared)
                    guard let http = response as? HTTPURLResponse else {
                        throw HTTPTransportError.connectionFailed(url: url, reason: "not an HTTP response")
                    }
                    var headers: [String: String] = [:]
                    for (name, value) in http.allHeaderFields {
                        if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
                    }
                    return HTTPResponse(status: http.statusCode, headers: headers, body: data)
                } catch let error as HTTPTransportError {
                    throw error
                } catch let error as URLError where error.code == .timedOut {
                    throw HTTPTransportError.timedOut(url: url, after: request.timeout)
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    throw HTTPTransportError.connectionFailed(url: url, reason: Self.reason(error))
                }
            }
            group.addTask {
                // The overall deadline, a little after URLSession's own, which only covers idle time.
                try await Task.sleep(for: request.timeout + .milliseconds(250))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let response = first else {
                throw HTTPTransportError.timedOut(url: url, after: request.timeout)
            }
            return response
        }
    }

    private static func reason(_ error: any Error) -> String {
        if let urlError = error as? URLError {
            return "\(urlError.code) (\(urlError.localizedDescription))"
        }
        return "\(error)"
    }
}
