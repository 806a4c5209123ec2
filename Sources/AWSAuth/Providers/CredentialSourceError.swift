/// Errors shared by the credential sources that are not STS.
public enum CredentialSourceError: Error, Sendable, CustomStringConvertible {
    /// The source is simply not set up here (e.g. no `AWS_ACCESS_KEY_ID`); the chain moves on.
    case notConfigured(source: String, reason: String)
    /// The source is set up wrongly (a half-set environment, a bad URI); the chain moves on but
    /// reports it.
    case misconfigured(source: String, reason: String)
    /// An endpoint answered, but not with usable credentials.
    case badResponse(source: String, step: String, reason: String)
    /// An endpoint could not be reached or did not answer in time.
    case unreachable(source: String, step: String, underlying: HTTPTransportError)

    public var description: String {
        switch self {
        case .notConfigured(let source, let reason): return "\(source): not configured: \(reason)"
        case .misconfigured(let source, let reason): return "\(source): misconfigured: \(reason)"
        case .badResponse(let source, let step, let reason): return "\(source): \(step): \(reason)"
        case .unreachable(let source, let step, let underlying): return "\(source): \(step): \(underlying)"
        }
    }
}
