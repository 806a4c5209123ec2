import AWSAuth
import Foundation

/// Credentials msk-local knows, with the principal they stand for.
public struct IssuedCredentials: Sendable {
    /// The key pair (and session token, for temporary credentials).
    public let credentials: AWSCredentials
    /// The IAM principal ARN: `arn:aws:iam::<account>:user/<name>` for the source key,
    /// `arn:aws:sts::<account>:assumed-role/<role>/<session>` for assumed roles.
    public let principal: String
}
