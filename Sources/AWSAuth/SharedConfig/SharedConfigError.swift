/// Problems with the shared `~/.aws/config` and `~/.aws/credentials` files.
public enum SharedConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A line that is neither a section header, a `key = value` pair, a comment nor blank.
    case syntax(file: String, line: Int, reason: String)
    /// The profile exists in neither file.
    case profileNotFound(profile: String, searched: [String])
    /// `source_profile` references form a loop.
    case sourceProfileCycle([String])
    /// The profile cannot give credentials as written.
    case invalidProfile(profile: String, reason: String)

    public var description: String {
        switch self {
        case .syntax(let file, let line, let reason):
            return "\(file):\(line): \(reason)"
        case .profileNotFound(let profile, let searched):
            return "profile '\(profile)' not found in \(searched.joined(separator: ", "))"
        case .sourceProfileCycle(let chain):
            return "source_profile references form a loop: \(chain.joined(separator: " -> "))"
        case .invalidProfile(let profile, let reason):
            return "profile '\(profile)': \(reason)"
        }
    }
}
