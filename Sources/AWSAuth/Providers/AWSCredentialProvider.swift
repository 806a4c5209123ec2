/// Something that can produce AWS credentials: the environment, a profile, STS, IMDS, ...
///
/// Providers fetch; they do not cache. Wrap an expiring provider in a
/// ``RefreshingCredentialCache`` to share one set of credentials between many callers and to
/// refresh it in the background before it expires.
public protocol AWSCredentialProvider: Sendable {
    /// A short name for logs and "no credentials" errors, e.g. `"environment"` or `"sts-assume-role"`.
    var name: String { get }

    /// Fetches credentials. May do network I/O; throws a typed error naming what was wrong.
    func credentials() async throws -> AWSCredentials
}
