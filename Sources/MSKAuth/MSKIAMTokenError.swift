/// Why an MSK IAM token could not be made.
public enum MSKIAMTokenError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The region is empty or not of the form `us-east-1` (lower-case letters, digits, dashes).
    case invalidRegion(String)
    /// `X-Amz-Expires` must lie in `1...900` seconds; MSK refuses longer-lived tokens.
    case invalidExpiry(Int)
    /// The credentials had already expired at the signing time: a token signed with them would
    /// be refused, so none is made.
    case credentialsExpired(accessKeyID: String)

    public var description: String {
        switch self {
        case .invalidRegion(let region):
            return "invalid AWS region '\(region)': expected lower-case letters, digits and dashes, e.g. 'us-east-1'"
        case .invalidExpiry(let seconds):
            return "invalid MSK IAM token expiry \(seconds) s: it must be between 1 and \(MSKIAMTokenSigner.maximumExpiry) seconds"
        case .credentialsExpired(let accessKeyID):
            return "the credentials of access key \(accessKeyID) had expired at the signing time; refusing to sign an MSK IAM token with them"
        }
    }
}
