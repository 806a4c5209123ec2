import Foundation

/// The AWS SDKs' default credential chain, in their order:
///
/// | # | Source | Configured by |
/// |---|--------|---------------|
/// | 1 | Environment | `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` |
/// | 2 | Web identity (EKS IRSA) | `AWS_ROLE_ARN`, `AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_ROLE_SESSION_NAME` |
/// | 3 | Shared files profile | `~/.aws/credentials`, `~/.aws/config`, `AWS_SHARED_CREDENTIALS_FILE`, `AWS_CONFIG_FILE`, `AWS_PROFILE` |
/// | 4 | Container (ECS, EKS Pod Identity) | `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` / `_FULL_URI`, `AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE)` |
/// | 5 | EC2 instance profile (IMDSv2) | `AWS_EC2_METADATA_DISABLED`, `AWS_EC2_METADATA_SERVICE_ENDPOINT` |
///
/// Wrap the result in a ``RefreshingCredentialCache``.
public enum DefaultCredentialChain {
    /// Endpoint overrides, for tests and local stand-ins.
    public struct Endpoints: Sendable {
        /// STS (used by the web identity source).
        public var sts: URL?
        /// IMDS base URL.
        public var instanceMetadata: URL?
        /// Host for `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`.
        public var containerRelativeHost: URL?

        /// No overrides: AWS's real endpoints.
        public init(sts: URL? = nil, instanceMetadata: URL? = nil, containerRelativeHost: URL? = nil) {
            self.sts = sts
            self.instanceMetadata = instanceMetadata
            self.containerRelativeHost = containerRelativeHost
        }
    }

    /// Builds the chain for `environment`.
    /// - Parameters:
    ///   - region: Used by STS when the environment names no region.
    ///   - profile: The shared-files profile; by default `AWS_PROFILE` or `default`.
    ///   - environment: By default the process's.
    ///   - endpoints: Overrides for tests and local stand-ins.
    ///   - transport: The HTTP client of every source that fetches (STS, container, IMDS).
    ///   - clock: The time STS requests are signed at.
    public static func make(
        region: String? = nil,
        profile: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        endpoints: Endpoints = Endpoints(),
        transport: any HTTPTransport = URLSessionHTTPTransport(),
        clock: any WallClock = SystemWallClock()
    ) -> CredentialProviderChain {
        var providers: [any AWSCredentialProvider] = [EnvironmentCredentialProvider(environment: environment)]
        do {
            if let webIdentity = try STSWebIdentityCredentialProvider.fromEnvironment(environment, defaultRegion: region, endpoint: endpoints.sts, transport: transport, clock: clock) {
                providers.append(webIdentity)
            }
        } catch {
            providers.append(FailingCredentialProvider(name: "sts-web-identity", error: error))
        }
        providers.append(ProfileCredentialProvider(profile: profile, environment: environment, defaultRegion: region, endpoints: endpoints, transport: transport, clock: clock))
        do {
            let host = endpoints.containerRelativeHost ?? URL(string: "http://169.254.170.2")!
            if let container = try ContainerCredentialProvider.fromEnvironment(environment, relativeURIHost: host, transport: transport) {
                providers.append(container)
            }
        } catch {
            providers.append(FailingCredentialProvider(name: "container", error: error))
        }
        providers.append(EC2InstanceMetadataCredentialProvider(endpoint: endpoints.instanceMetadata, environment: environment, transport: transport))
        return CredentialProviderChain(providers)
    }
}

/// Stands in the chain for a source that is configured wrongly, so that the chain's error
/// reports the misconfiguration instead of silently skipping it.
struct FailingCredentialProvider: AWSCredentialProvider {
    let name: String
    let error: any Error

    func credentials() async throws -> AWSCredentials { throw error }
}
