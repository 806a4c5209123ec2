import Synchronization

/// Tries providers in order and answers with the first that has credentials.
///
/// Once a provider has answered, later calls go straight to it (as the AWS SDKs do), so a
/// service on EKS does not probe the environment and the files on every refresh. If it later
/// fails, the whole chain is tried again. When every provider fails, ``NoCredentialsError``
/// says what each one answered.
public final class CredentialProviderChain: AWSCredentialProvider {
    public var name: String { "chain(\(providers.map(\.name).joined(separator: ", ")))" }

    private let providers: [any AWSCredentialProvider]
    private let chosen = Mutex<Int?>(nil)

    /// Creates a chain over `providers`, tried in this order.
    public init(_ providers: [any AWSCredentialProvider]) {
        self.providers = providers
    }

    /// The name of the provider that answered last, if any.
    public var activeProviderName: String? { chosen.withLock { $0 }.map { providers[$0].name } }

    public func credentials() async throws -> AWSCredentials {
        var attempts: [NoCredentialsError.Attempt] = []
        if let index = chosen.withLock({ $0 }) {
            do {
                return try await providers[index].credentials()
            } catch {
                attempts.append(.init(source: providers[index].name, answer: "\(error)"))
            }
        }
        for (index, provider) in providers.enumerated() {
            do {
                let credentials = try await provider.credentials()
                chosen.withLock { $0 = index }
                return credentials
            } catch {
                attempts.append(.init(source: provider.name, answer: "\(error)"))
            }
        }
        throw NoCredentialsError(attempts: attempts)
    }
}

/// No provider of a chain had credentials; ``attempts`` says what each answered.
public struct NoCredentialsError: Error, Sendable, CustomStringConvertible {
    /// One provider's answer.
    public struct Attempt: Sendable {
        /// The provider's name.
        public var source: String
        /// Its error, as text (never a secret).
        public var answer: String
    }

    /// Every provider's answer, in the order tried.
    public var attempts: [Attempt]

    public var description: String {
        "no AWS credentials found; tried:\n" + attempts.map { attempt in
            // Most sources' errors already start with their name; don't say it twice.
            attempt.answer.hasPrefix(attempt.source) ? "  - \(attempt.answer)" : "  - \(attempt.source): \(attempt.answer)"
        }.joined(separator: "\n")
    }
}
