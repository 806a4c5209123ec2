import Foundation

/// The profiles of `~/.aws/credentials` and `~/.aws/config`, merged as the AWS CLI merges them:
/// for each key the credentials file wins.
public struct SharedConfigProfiles: Sendable {
    /// Profile name → settings.
    public private(set) var profiles: [String: [String: String]] = [:]
    /// The files that were read (for error messages).
    public private(set) var searched: [String] = []

    /// Reads the files the environment points at: `AWS_SHARED_CREDENTIALS_FILE` (default
    /// `~/.aws/credentials`) and `AWS_CONFIG_FILE` (default `~/.aws/config`). Missing files are
    /// empty; unreadable or malformed ones are errors.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws(SharedConfigError) -> SharedConfigProfiles {
        let home = environment["HOME"] ?? NSHomeDirectory()
        func expand(_ path: String) -> String { path.hasPrefix("~/") ? home + path.dropFirst(1) : path }
        let credentialsPath = expand(environment["AWS_SHARED_CREDENTIALS_FILE"] ?? "~/.aws/credentials")
        let configPath = expand(environment["AWS_CONFIG_FILE"] ?? "~/.aws/config")
        return try SharedConfigProfiles(credentialsFile: read(credentialsPath), credentialsPath: credentialsPath, configFile: read(configPath), configPath: configPath)
    }

    /// Builds the profiles from file contents (`nil`: the file does not exist).
    public init(credentialsFile: String?, credentialsPath: String = "credentials", configFile: String?, configPath: String = "config") throws(SharedConfigError) {
        searched = [credentialsPath, configPath]
        if let configFile {
            for (section, settings) in try SharedConfigFile.parse(configFile, path: configPath).sections {
                let name: String
                if section == "default" {
                    name = "default"
                } else if section.hasPrefix("profile ") {
                    name = section.dropFirst("profile ".count).trimmingCharacters(in: .whitespaces)
                } else {
                    continue  // [sso-session x], [services y]: not profiles
                }
                profiles[name, default: [:]].merge(settings) { _, new in new }
            }
        }
        if let credentialsFile {
            for (section, settings) in try SharedConfigFile.parse(credentialsFile, path: credentialsPath).sections {
                profiles[section, default: [:]].merge(settings) { _, fromCredentials in fromCredentials }
            }
        }
    }

    private static func read(_ path: String) throws(SharedConfigError) -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .syntax(file: path, line: 0, reason: "cannot be read as UTF-8 text")
        }
    }

    /// How `profile` gets its credentials, following `source_profile` chains.
    public func resolve(_ profile: String) throws(SharedConfigError) -> ProfileCredentialSource {
        try resolve(profile, visited: [])
    }

    private func resolve(_ name: String, visited: [String]) throws(SharedConfigError) -> ProfileCredentialSource {
        guard let settings = profiles[name] else {
            throw .profileNotFound(profile: name, searched: searched)
        }
        let staticKeys = try Self.staticKeys(settings, profile: name)
        // A source profile with keys of its own ends the chain, even if it also names a role.
        if !visited.isEmpty, let staticKeys { return .staticKeys(staticKeys) }

        if let roleARN = settings["role_arn"] {
            if let tokenFile = settings["web_identity_token_file"] {
                return .webIdentity(roleARN: roleARN, tokenFile: tokenFile, sessionName: settings["role_session_name"], region: settings["region"])
            }
            let role = try AssumeRoleSettings(settings, profile: name)
            switch (settings["source_profile"], settings["credential_source"]) {
            case (.some, .some):
                throw .invalidProfile(profile: name, reason: "both source_profile and credential_source are set; keep one")
            case (nil, nil):
                throw .invalidProfile(profile: name, reason: "role_arn needs source_profile or credential_source")
            case (let source?, nil):
                if source == name {
                    guard let staticKeys else { throw .sourceProfileCycle(visited + [name, source]) }
                    return .assumeRole(role, source: .staticKeys(staticKeys))
                }
                if visited.contains(source) || source == name { throw .sourceProfileCycle(visited + [name, source]) }
                return .assumeRole(role, source: try resolve(source, visited: visited + [name]))
            case (nil, let credentialSource?):
                switch credentialSource {
                case "Environment": return .assumeRole(role, source: .environment)
                case "Ec2InstanceMetadata": return .assumeRole(role, source: .ec2InstanceMetadata)
                case "EcsContainer": return .assumeRole(role, source: .ecsContainer)
                default:
                    throw .invalidProfile(profile: name, reason: "credential_source '\(credentialSource)' is not Environment, Ec2InstanceMetadata or EcsContainer")
                }
            }
        }
        if let command = settings["credential_process"] { return .process(command: command) }
        if let staticKeys { return .staticKeys(staticKeys) }
        throw .invalidProfile(profile: name, reason: "it has no aws_access_key_id/aws_secret_access_key, role_arn or credential_process")
    }

    private static func staticKeys(_ settings: [String: String], profile: String) throws(SharedConfigError) -> AWSCredentials? {
        switch (settings["aws_access_key_id"], settings["aws_secret_access_key"]) {
        case (let keyID?, let secret?):
            return AWSCredentials(accessKeyID: keyID, secretAccessKey: secret, sessionToken: settings["aws_session_token"])
        case (nil, nil):
            return nil
        case (nil, _):
            throw .invalidProfile(profile: profile, reason: "aws_secret_access_key is set but aws_access_key_id is not")
        case (_, nil):
            throw .invalidProfile(profile: profile, reason: "aws_access_key_id is set but aws_secret_access_key is not")
        }
    }
}

/// How a profile gets its credentials — a plan, resolved without any I/O.
public indirect enum ProfileCredentialSource: Sendable, Equatable {
    /// `aws_access_key_id`, `aws_secret_access_key`, optional `aws_session_token`.
    case staticKeys(AWSCredentials)
    /// `role_arn` assumed with the credentials of `source`.
    case assumeRole(AssumeRoleSettings, source: ProfileCredentialSource)
    /// `role_arn` + `web_identity_token_file`.
    case webIdentity(roleARN: String, tokenFile: String, sessionName: String?, region: String?)
    /// `credential_process`.
    case process(command: String)
    /// `credential_source = Environment`.
    case environment
    /// `credential_source = Ec2InstanceMetadata`.
    case ec2InstanceMetadata
    /// `credential_source = EcsContainer`.
    case ecsContainer
}

/// The `AssumeRole` settings of a profile.
public struct AssumeRoleSettings: Sendable, Equatable {
    /// `role_arn`.
    public var roleARN: String
    /// `role_session_name`.
    public var sessionName: String?
    /// `external_id`.
    public var externalID: String?
    /// `duration_seconds`.
    public var durationSeconds: Int?
    /// `region` of the profile, for STS.
    public var region: String?

    init(_ settings: [String: String], profile: String) throws(SharedConfigError) {
        roleARN = settings["role_arn"] ?? ""
        sessionName = settings["role_session_name"]
        externalID = settings["external_id"]
        region = settings["region"]
        if let text = settings["duration_seconds"] {
            guard let seconds = Int(text), (900...43_200).contains(seconds) else {
                throw .invalidProfile(profile: profile, reason: "duration_seconds '\(text)' is not a number of seconds in 900...43200")
            }
            durationSeconds = seconds
        }
    }
}
