/// Always the same credentials — for long-term keys given in code, and for tests.
public struct StaticCredentialProvider: AWSCredentialProvider {
    public var name: String { "static" }
    private let value: AWSCredentials

    /// Creates a provider that always answers `credentials`.
    public init(_ credentials: AWSCredentials) { value = credentials }

    public func credentials() async throws -> AWSCredentials { value }
}
