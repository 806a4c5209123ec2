import AWSAuth
import Synchronization

/// Keeps the signer of the most recent credentials, so that its derived signing key (which
/// changes only with the secret and the day) is reused from one token to the next.
final class CachedSigV4Signer: Sendable {
    private let last = Mutex<SigV4Signer?>(nil)

    func signer(credentials: AWSCredentials, region: String, service: String) -> SigV4Signer {
        last.withLock { cached in
            if let cached, cached.credentials == credentials, cached.region == region, cached.service == service {
                return cached
            }
            let signer = SigV4Signer(credentials: credentials, region: region, service: service)
            cached = signer
            return signer
        }
    }
}
