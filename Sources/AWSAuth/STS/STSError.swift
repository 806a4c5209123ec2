import Foundation

/// What went wrong talking to AWS STS. Messages name the action and never contain secrets.
public enum STSError: Error, Sendable, CustomStringConvertible {
    /// STS answered with an error document (`<ErrorResponse><Error><Code>`...).
    case service(action: String, code: String, message: String, requestID: String?, status: Int)
    /// The answer could not be understood (not XML, or fields missing).
    case malformedResponse(action: String, status: Int, reason: String)
    /// The request did not reach STS or no answer came in time.
    case transport(action: String, underlying: HTTPTransportError)
    /// STS must be reached over HTTPS unless an endpoint override is given explicitly.
    case insecureEndpoint(String)
    /// A parameter is out of range before anything was sent (e.g. `DurationSeconds`).
    case invalidParameter(name: String, reason: String)
    /// The web identity token file could not be read.
    case unreadableWebIdentityTokenFile(path: String, reason: String)

    /// Codes that will not get better by retrying the same request.
    static let permanentCodes: Set<String> = [
        "AccessDenied", "ExpiredToken", "ExpiredTokenException", "InvalidIdentityToken", "RegionDisabledException",
        "MalformedPolicyDocument", "PackedPolicyTooLarge", "InvalidClientTokenId",
        "SignatureDoesNotMatch", "ValidationError", "InvalidParameterValue", "InvalidAction",
    ]

    /// Whether a later retry may succeed: throttling, 5xx, timeouts and connection errors are
    /// retriable; authorization and validation errors are not.
    public var isRetriable: Bool {
        switch self {
        case .service(_, let code, _, _, let status):
            if Self.permanentCodes.contains(code) { return false }
            return status >= 500 || status == 429 || code.contains("Throttl") || code == "RequestLimitExceeded" || code == "IDPCommunicationError"
        case .malformedResponse(_, let status, _):
            return status >= 500
        case .transport:
            return true
        case .unreadableWebIdentityTokenFile:
            return true
        case .insecureEndpoint, .invalidParameter:
            return false
        }
    }

    public var description: String {
        switch self {
        case .service(let action, let code, let message, let requestID, let status):
            return "STS \(action) failed with \(code) (HTTP \(status)): \(message)" + (requestID.map { " [request id \($0)]" } ?? "")
        case .malformedResponse(let action, let status, let reason):
            return "STS \(action) returned a response that could not be understood (HTTP \(status)): \(reason)"
        case .transport(let action, let underlying):
            return "STS \(action): \(underlying)"
        case .insecureEndpoint(let endpoint):
            return "refusing to send credentials to STS over plain HTTP (\(endpoint)); use https, or pass the endpoint explicitly as an override"
        case .invalidParameter(let name, let reason):
            return "invalid STS parameter \(name): \(reason)"
        case .unreadableWebIdentityTokenFile(let path, let reason):
            return "cannot read the web identity token file \(path): \(reason)"
        }
    }
}
