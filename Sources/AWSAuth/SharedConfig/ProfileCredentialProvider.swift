import Foundation
import Synchronization

/// Credentials as a named profile of the shared `~/.aws` files describes them: static keys,
/// `role_arn` with `source_profile` or `credential_source` (chains of them), web identity, or
/// `credential_process`.
///
/// The files are read and the profile resolved on first use; the providers built from it are
/// kept for later calls, so assumed roles keep a stable session name.
public final class ProfileCredentialProvider: AWSCredentialProvider {
    public var name: String { "profile(\(profile))" }

    /// The profile name.
    public let profile: String
    private let environment: [String: String]
    private let defaultRegion: String?
    private let endpoints: DefaultCredentialChain.Endpoints
    private let transport: any HTTPTransport
    private let clock: any WallClock
    private let built = Mutex<(any AWSCredentialProvider)?>(nil)

    /// Creates the provider for `profile`, or for `AWS_PROFILE` / `AWS_DEFAULT_PROFILE` /
    /// `default` when `nil`.
    public init(
        profile: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        defaultRegion: String? = nil,
        endpoints: DefaultCredentialChain.Endpoints = .init(),
        transport: any HTTPTransport = URLSessionHTTPTransport(),
        clock: any WallClock = SystemWallClock()
    ) {
        self.profile = profile ?? environment["AWS_PROFILE"] ?? environment["AWS_DEFAULT_PROFILE"] ?? "default"
        self.environment = environment
        self.defaultRegion = defaultRegion
        self.endpoints = endpoints
        self.transport = transport
        self.clock = clock
    }

    public func credentials() async throws -> AWSCredentials {
        if let provider = built.withLock({ $0 }) { return try await provider.credentials() }
        let plan = try SharedConfigProfiles.load(environment: environment).resolve(profile)
        let provider = try makeProvider(plan, region: regionSetting())
        built.withLock { $0 = provider }
        return try await provider.credentials()
    }

    private func regionSetting() -> String? {
        environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? defaultRegion
    }

    private func makeProvider(_ plan: ProfileCredentialSource, region: String?) throws -> any AWSCredentialProvider {
        switch plan {
        case .staticKeys(let credentials):
            return StaticCredentialProvider(credentials)
        case .assumeRole(let settings, let source):
            guard let stsRegion = settings.region ?? region else {
                throw SharedConfigError.invalidProfile(profile: profile, reason: "role_arn needs a region (set region in the profile, AWS_REGION, or pass one)")
            }
            return try STSAssumeRoleCredentialProvider(
                roleARN: settings.roleARN, roleSessionName: settings.sessionName,
                sourceCredentials: makeProvider(source, region: stsRegion), region: stsRegion, endpoint: endpoints.sts,
                durationSeconds: settings.durationSeconds, externalID: settings.externalID, transport: transport, clock: clock
            )
        case .webIdentity(let roleARN, let tokenFile, let sessionName, let profileRegion):
            guard let stsRegion = profileRegion ?? region else {
                throw SharedConfigError.invalidProfile(profile: profile, reason: "web_identity_token_file needs a region")
            }
            return try STSWebIdentityCredentialProvider(roleARN: roleARN, webIdentityTokenFile: tokenFile, roleSessionName: sessionName, region: stsRegion, endpoint: endpoints.sts, transport: transport, clock: clock)
        case .process(let command):
            return ProcessCredentialProvider(command: command)
        case .environment:
            return EnvironmentCredentialProvider(environment: environment)
        case .ec2InstanceMetadata:
            return EC2InstanceMetadataCredentialProvider(endpoint: endpoints.instanceMetadata, environment: environment, transport: transport)
        case .ecsContainer:
            let host = endpoints.containerRelativeHost ?? URL(string: "http://169.254.170.2")!
            guard let container = try ContainerCredentialProvider.fromEnvironment(environment, relativeURIHost: host, transport: transport) else {
                throw SharedConfigError.invalidProfile(profile: profile, reason: "credential_source = EcsContainer but no AWS_CONTAINER_CREDENTIALS_* variable is set")
            }
            return container
        }
    }
}
