/// Why msk-local could not start or do what it was asked.
public enum MSKLocalError: Error, Sendable, CustomStringConvertible {
    /// An address that is not `ip:port`.
    case invalidAddress(String)
    /// A configuration value out of range.
    case invalidConfiguration(name: String, reason: String)
    /// A listener could not be bound.
    case bindFailed(what: String, reason: String)

    public var description: String {
        switch self {
        case .invalidAddress(let text): "'\(text)' is not an ip:port address"
        case .invalidConfiguration(let name, let reason): "invalid \(name): \(reason)"
        case .bindFailed(let what, let reason): "cannot listen for \(what): \(reason)"
        }
    }
}
