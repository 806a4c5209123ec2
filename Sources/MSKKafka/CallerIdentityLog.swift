import AWSAuth
import Logging

/// `logCallerIdentity`: who the client's credentials belong to, asked of STS once at start and
/// logged — the principal MSK authorizes every request against.
enum CallerIdentityLog {
    /// Starts the lookup in the background and returns it (tests await it); `nil` when off or
    /// when there is nothing to ask. It never throws and never delays the client: a failure is
    /// a warning, and STS's timeout (10 s) bounds it.
    static func start(enabled: Bool, authentication: KafkaAuthentication, logger: Logger) -> Task<Void, Never>? {
        guard enabled else { return nil }
        guard let ask = authentication.tokenSource?.callerIdentity else {
            logger.warning("logCallerIdentity is on, but the authentication (\(authentication)) has no AWS principal to ask STS about")
            return nil
        }
        return Task {
            do {
                let identity = try await ask()
                logger.info("MSK IAM: signing as \(identity.arn)", metadata: ["principal": "\(identity.arn)", "account": "\(identity.account)"])
            } catch {
                // STSError and CredentialCacheError texts name the source and STS's code, never a secret.
                logger.warning("MSK IAM: could not ask STS who the credentials belong to (GetCallerIdentity): \(error)")
            }
        }
    }
}
