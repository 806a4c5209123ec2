import Foundation
import Testing
@testable import AWSAuth

@Suite struct SharedConfigTests {
    @Test func parsesCommentsSubsectionsColonsAndLiteralValues() throws {
        let file = try SharedConfigFile.parse("""
        # a comment
        ; another
        [default]
        aws_access_key_id = AKIDDEFAULT
        AWS_Secret_Access_Key=secret with spaces  
        quoted = "kept as written"
        s3 =
          max_concurrent_requests = 20
          addressing_style = path
        region: eu-west-1
        role_arn = arn:aws:iam::123456789012:role/with:colons
        \r
        [profile other]
        output = json
        """, path: "config")
        let defaults = try #require(file.sections["default"])
        #expect(defaults["aws_access_key_id"] == "AKIDDEFAULT")
        #expect(defaults["aws_secret_access_key"] == "secret with spaces")
        #expect(defaults["quoted"] == "\"kept as written\"")
        #expect(defaults["region"] == "eu-west-1")
        #expect(defaults["role_arn"] == "arn:aws:iam::123456789012:role/with:colons")
        #expect(defaults["max_concurrent_requests"] == nil)
        #expect(file.sections["profile other"]?["output"] == "json")
    }

    @Test(arguments: [
        ("key = value\n[default]\n", 1, "before any [section]"),
        ("[default]\njust some words\n", 2, "expected 'key = value'"),
        ("[default\nkey = v\n", 1, "section header"),
        ("[default]\n = value\n", 2, "without a name"),
    ])
    func syntaxErrorsNameFileAndLine(text: String, line: Int, reason: String) {
        do {
            _ = try SharedConfigFile.parse(text, path: "/home/u/.aws/config")
            Issue.record("expected a syntax error")
        } catch {
            guard case .syntax(let file, let errorLine, let message) = error else { Issue.record("\(error)"); return }
            #expect(file == "/home/u/.aws/config")
            #expect(errorLine == line)
            #expect(message.contains(reason), "\(message)")
        }
    }

    static let config = """
    [default]
    region = us-east-1

    [profile producer]
    role_arn = arn:aws:iam::123456789012:role/producer
    source_profile = base
    role_session_name = stable-producer
    duration_seconds = 3600
    external_id = ext

    [profile base]
    role_arn = arn:aws:iam::123456789012:role/ignored-because-base-has-keys
    source_profile = nowhere

    [profile hop1]
    role_arn = arn:aws:iam::1:role/hop1
    source_profile = hop2

    [profile hop2]
    role_arn = arn:aws:iam::1:role/hop2
    source_profile = hop1

    [profile instance]
    role_arn = arn:aws:iam::1:role/from-instance
    credential_source = Ec2InstanceMetadata

    [profile both]
    role_arn = arn:aws:iam::1:role/r
    source_profile = base
    credential_source = Environment

    [profile irsa]
    role_arn = arn:aws:iam::1:role/irsa
    web_identity_token_file = /var/run/secrets/token

    [profile process]
    credential_process = /usr/bin/get-creds --json

    [profile self]
    role_arn = arn:aws:iam::1:role/self
    source_profile = self
    aws_access_key_id = AKIDSELF
    aws_secret_access_key = self-secret

    [sso-session corp]
    sso_region = us-east-1
    """

    static let credentials = """
    [base]
    aws_access_key_id = AKIDBASE
    aws_secret_access_key = base-secret

    [default]
    aws_access_key_id = AKIDDEFAULT
    aws_secret_access_key = default-secret
    aws_session_token = default-token

    [half]
    aws_access_key_id = AKIDHALF
    """

    let profiles: SharedConfigProfiles

    init() throws {
        profiles = try SharedConfigProfiles(credentialsFile: Self.credentials, credentialsPath: "~/.aws/credentials", configFile: Self.config, configPath: "~/.aws/config")
    }

    @Test func credentialsFileWinsAndMerges() throws {
        #expect(try profiles.resolve("default") == .staticKeys(AWSCredentials(accessKeyID: "AKIDDEFAULT", secretAccessKey: "default-secret", sessionToken: "default-token")))
        #expect(profiles.profiles["default"]?["region"] == "us-east-1")
        #expect(profiles.profiles["corp"] == nil)
    }

    @Test func roleChainsStopAtASourceWithKeys() throws {
        guard case .assumeRole(let role, let source) = try profiles.resolve("producer") else { Issue.record("not an assumeRole"); return }
        #expect(role.roleARN == "arn:aws:iam::123456789012:role/producer")
        #expect(role.sessionName == "stable-producer")
        #expect(role.durationSeconds == 3600)
        #expect(role.externalID == "ext")
        #expect(source == .staticKeys(AWSCredentials(accessKeyID: "AKIDBASE", secretAccessKey: "base-secret")))
    }

    @Test func cyclesAreDetected() {
        #expect(throws: SharedConfigError.sourceProfileCycle(["hop1", "hop2", "hop1"])) { try profiles.resolve("hop1") }
    }

    @Test func selfReferenceWithKeysIsAllowed() throws {
        guard case .assumeRole(_, let source) = try profiles.resolve("self") else { Issue.record("not an assumeRole"); return }
        #expect(source == .staticKeys(AWSCredentials(accessKeyID: "AKIDSELF", secretAccessKey: "self-secret")))
    }

    @Test func otherSources() throws {
        guard case .assumeRole(_, let source) = try profiles.resolve("instance") else { Issue.record("not an assumeRole"); return }
        #expect(source == .ec2InstanceMetadata)
        #expect(try profiles.resolve("irsa") == .webIdentity(roleARN: "arn:aws:iam::1:role/irsa", tokenFile: "/var/run/secrets/token", sessionName: nil, region: nil))
        #expect(try profiles.resolve("process") == .process(command: "/usr/bin/get-creds --json"))
    }

    @Test func misconfigurationsAreNamed() {
        #expect(throws: SharedConfigError.self) { try profiles.resolve("both") }
        #expect(throws: SharedConfigError.profileNotFound(profile: "missing", searched: ["~/.aws/credentials", "~/.aws/config"])) { try profiles.resolve("missing") }
        #expect(throws: SharedConfigError.invalidProfile(profile: "half", reason: "aws_access_key_id is set but aws_secret_access_key is not")) {
            try profiles.resolve("half")
        }
    }

    @Test func profileProviderAssumesTheRoleThroughSTS() async throws {
        let stub = try await AWSEndpointStub()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aws-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.config.write(to: directory.appendingPathComponent("config"), atomically: true, encoding: .utf8)
        try Self.credentials.write(to: directory.appendingPathComponent("credentials"), atomically: true, encoding: .utf8)
        let provider = ProfileCredentialProvider(
            environment: ["AWS_PROFILE": "producer", "AWS_CONFIG_FILE": directory.appendingPathComponent("config").path,
                          "AWS_SHARED_CREDENTIALS_FILE": directory.appendingPathComponent("credentials").path],
            defaultRegion: "eu-west-1", endpoints: .init(sts: stub.url)
        )
        _ = try await provider.credentials()
        _ = try await provider.credentials()
        let requests = try await stub.requests()
        #expect(requests.count == 2)
        #expect(requests.allSatisfy { $0.body.contains("RoleSessionName=stable-producer") && $0.headers["authorization"]?.contains("Credential=AKIDBASE/") == true })
    }
}
