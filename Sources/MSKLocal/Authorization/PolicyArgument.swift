import Foundation

/// A `--policy` argument: `FILE` (the default policy, for every principal) or `ARN=FILE` (the
/// policy of one IAM role or user), read and parsed.
public struct PolicyArgument: Sendable {
    /// The role or user ARN, or `nil` for the default policy.
    public let arn: String?
    public let policy: IAMPolicy

    /// Reads `argument`'s file; throws ``MSKLocalError`` naming the file and what is wrong.
    public init(_ argument: String) throws(MSKLocalError) {
        var arn: String?
        var path = argument
        if argument.hasPrefix("arn:"), let equals = argument.firstIndex(of: "=") {
            arn = String(argument[..<equals])
            path = String(argument[argument.index(after: equals)...])
            if let arn, let problem = ControlAPI.policyARNProblem(arn) { throw .invalidConfiguration(name: "policy", reason: problem) }
        }
        let shown = String(path.prefix(256))
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .invalidConfiguration(name: "policy", reason: "cannot read '\(shown)'")
        }
        defer { try? handle.close() }
        // One byte past the limit is enough to know the file is too large, whatever its size.
        let bytes: Data
        do {
            bytes = try handle.read(upToCount: IAMPolicyLimits.maximumDocumentBytes + 1) ?? Data()
        } catch {
            throw .invalidConfiguration(name: "policy", reason: "cannot read '\(shown)': \(error)")
        }
        do {
            self.policy = try IAMPolicy(json: Array(bytes))
        } catch {
            throw .invalidConfiguration(name: "policy", reason: "'\(shown)': \(error)")
        }
        self.arn = arn
    }

    /// Applies these arguments to `configuration`; a later one for the same ARN wins.
    public static func apply(_ arguments: [PolicyArgument], to configuration: inout MSKLocalConfiguration) {
        for argument in arguments {
            if let arn = argument.arn {
                configuration.policies[arn] = argument.policy
            } else {
                configuration.defaultPolicy = argument.policy
            }
        }
    }
}
