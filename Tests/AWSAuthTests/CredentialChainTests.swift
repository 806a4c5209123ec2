import Foundation
import TestSupport
import Testing
@testable import AWSAuth

@Suite(.timeLimit(.minutes(1)))
struct CredentialChainTests {
    /// Points the shared-files source at files that do not exist, so the machine's ~/.aws never leaks in.
    static let noFiles = ["AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials", "AWS_CONFIG_FILE": "/nonexistent/config"]

    /// A shared credentials file that does not exist yet: the profile source fails until a test
    /// writes it, which is how a test makes an earlier source of the chain start answering.
    struct LateCredentialsFile {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("chain-credentials-\(UUID().uuidString)")
        var environment: [String: String] { ["AWS_SHARED_CREDENTIALS_FILE": url.path, "AWS_CONFIG_FILE": "/nonexistent/config"] }

        func write() throws {
            try "[default]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profile-secret\n".write(to: url, atomically: true, encoding: .utf8)
        }

        func remove() { try? FileManager.default.removeItem(at: url) }
    }

    static func containerRequests(_ stub: AWSEndpointStub) async throws -> Int {
        try await stub.requests().filter { $0.path.hasPrefix("/ecs/") }.count
    }

    @Test func environmentComesFirst() async throws {
        let noIMDS = try UnlistenedPort()
        defer { noIMDS.close() }
        let chain = DefaultCredentialChain.make(environment: Self.noFiles.merging(["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "env-secret", "AWS_SESSION_TOKEN": "env-token"]) { $1 },
                                                endpoints: .init(instanceMetadata: noIMDS.url))
        let credentials = try await chain.credentials()
        #expect(credentials.accessKeyID == "AKIDENV")
        #expect(credentials.sessionToken == "env-token")
        #expect(chain.activeProviderName == "environment")
    }

    /// "Once a source answers, the chain sticks to it": after the container answered, a profile
    /// that appears (an earlier source, which a fresh walk would pick) is not used; the
    /// container is asked again instead.
    @Test func stuckToTheContainerItIgnoresAnEarlierSourceThatStartedAnswering() async throws {
        let stub = try await AWSEndpointStub()
        let noIMDS = try UnlistenedPort()
        defer { noIMDS.close() }
        let file = LateCredentialsFile()
        defer { file.remove() }
        let chain = DefaultCredentialChain.make(environment: file.environment.merging(["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/ecs/task"]) { $1 },
                                                endpoints: .init(instanceMetadata: noIMDS.url, containerRelativeHost: stub.url),
                                                transport: GenerousTimeoutTransport())
        let first = try await chain.credentials()
        #expect(first.accessKeyID.hasPrefix("ASIASTUB"))
        #expect(chain.activeProviderName == "container")

        try file.write()
        let second = try await chain.credentials()
        #expect(second.accessKeyID.hasPrefix("ASIASTUB"), "a fresh walk would have answered with the profile's AKIDPROFILE")
        #expect(second.accessKeyID != first.accessKeyID)
        #expect(chain.activeProviderName == "container")
        #expect(try await Self.containerRequests(stub) == 2)
    }

    /// "If it later fails, the whole chain is tried again": from the first source, so a source
    /// ahead of the failed one (a profile written meanwhile) wins over the failed one and
    /// everything after it; then the chain sticks to the new source.
    @Test func whenTheChosenSourceFailsTheChainIsWalkedAgainFromTheFirstSource() async throws {
        let stub = try await AWSEndpointStub()
        let file = LateCredentialsFile()
        defer { file.remove() }
        // IMDS answers too (same stub): a re-walk that skipped the sources before the failed one
        // would end there instead of at the profile.
        let chain = DefaultCredentialChain.make(environment: file.environment.merging(["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/ecs/task"]) { $1 },
                                                endpoints: .init(instanceMetadata: stub.url, containerRelativeHost: stub.url),
                                                transport: GenerousTimeoutTransport())
        _ = try await chain.credentials()
        #expect(chain.activeProviderName == "container")

        try file.write()
        try await stub.setModes(["ecs": "status:500"])
        let rewalked = try await chain.credentials()
        #expect(rewalked.accessKeyID == "AKIDPROFILE")
        #expect(chain.activeProviderName == "profile(default)")

        // Stuck to the profile now: the container, healthy again, is not asked.
        try await stub.setModes(["ecs": "ok"])
        let containerAsked = try await Self.containerRequests(stub)
        #expect(try await chain.credentials().accessKeyID == "AKIDPROFILE")
        #expect(try await Self.containerRequests(stub) == containerAsked)
    }

    /// The re-walk after the chosen source fails goes on past it: a later source (IMDS) takes
    /// over, and the chain sticks to that one even once the container has recovered.
    @Test func whenTheChosenSourceFailsALaterSourceTakesOver() async throws {
        let stub = try await AWSEndpointStub()
        let chain = DefaultCredentialChain.make(environment: Self.noFiles.merging(["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/ecs/task"]) { $1 },
                                                endpoints: .init(instanceMetadata: stub.url, containerRelativeHost: stub.url),
                                                transport: GenerousTimeoutTransport())
        _ = try await chain.credentials()
        #expect(chain.activeProviderName == "container")
        #expect(try await stub.requests().allSatisfy { $0.path.hasPrefix("/ecs/") }, "IMDS is not asked while the container answers")

        try await stub.setModes(["ecs": "status:500"])
        let rewalked = try await chain.credentials()
        #expect(rewalked.accessKeyID.hasPrefix("ASIASTUB"))
        #expect(chain.activeProviderName == "ec2-instance-metadata")

        try await stub.setModes(["ecs": "ok"])
        let containerAsked = try await Self.containerRequests(stub)
        _ = try await chain.credentials()
        #expect(chain.activeProviderName == "ec2-instance-metadata")
        #expect(try await Self.containerRequests(stub) == containerAsked)
    }

    @Test func fallsThroughToInstanceMetadata() async throws {
        let stub = try await AWSEndpointStub()
        let chain = DefaultCredentialChain.make(environment: Self.noFiles, endpoints: .init(instanceMetadata: stub.url), transport: GenerousTimeoutTransport())
        let credentials = try await chain.credentials()
        #expect(credentials.accessKeyID.hasPrefix("ASIASTUB"))
        #expect(chain.activeProviderName == "ec2-instance-metadata")
    }

    /// The default chain's IMDS source finds the endpoint in `AWS_EC2_METADATA_SERVICE_ENDPOINT`
    /// when no override is passed (with or without a trailing slash, as the SDKs accept both).
    @Test(arguments: ["", "/"])
    func instanceMetadataEndpointFromTheEnvironment(trailing: String) async throws {
        let stub = try await AWSEndpointStub()
        let chain = DefaultCredentialChain.make(environment: Self.noFiles.merging(["AWS_EC2_METADATA_SERVICE_ENDPOINT": stub.url.absoluteString + trailing]) { $1 },
                                                transport: GenerousTimeoutTransport())
        let credentials = try await chain.credentials()
        #expect(credentials.accessKeyID.hasPrefix("ASIASTUB"))
        #expect(chain.activeProviderName == "ec2-instance-metadata")
        #expect(try await stub.requests().map(\.path) == ["/latest/api/token", "/latest/meta-data/iam/security-credentials/", "/latest/meta-data/iam/security-credentials/stub-instance-role"])
    }

    @Test func noCredentialsSaysWhatEverySourceAnswered() async throws {
        let noIMDS = try UnlistenedPort()
        defer { noIMDS.close() }
        let chain = DefaultCredentialChain.make(
            environment: Self.noFiles.merging(["AWS_ACCESS_KEY_ID": "AKIDHALF", "AWS_ROLE_ARN": "arn:aws:iam::1:role/r", "AWS_WEB_IDENTITY_TOKEN_FILE": "/nonexistent/token",
                                               "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://example.com/creds", "AWS_PROFILE": "ops"]) { $1 },
            endpoints: .init(instanceMetadata: noIMDS.url)
        )
        do {
            _ = try await chain.credentials()
            Issue.record("expected NoCredentialsError")
        } catch let error as NoCredentialsError {
            let text = "\(error)"
            #expect(error.attempts.map(\.source) == ["environment", "sts-web-identity", "profile(ops)", "container", "ec2-instance-metadata"])
            #expect(text.contains("profile 'ops' not found in /nonexistent/credentials, /nonexistent/config"))
            #expect(text.contains("AWS_SECRET_ACCESS_KEY is not"))
            #expect(text.contains("region"))
            #expect(text.contains("must be https"))
            #expect(text.contains("ec2-instance-metadata"))
        }
    }

    @Test func webIdentityFromTheEnvironmentJoinsTheChain() async throws {
        let stub = try await AWSEndpointStub()
        let noIMDS = try UnlistenedPort()
        defer { noIMDS.close() }
        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("irsa-chain-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: tokenFile) }
        try "oidc".write(to: tokenFile, atomically: true, encoding: .utf8)
        let chain = DefaultCredentialChain.make(
            region: "eu-west-1",
            environment: Self.noFiles.merging(["AWS_ROLE_ARN": "arn:aws:iam::1:role/r", "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile.path]) { $1 },
            endpoints: .init(sts: stub.url, instanceMetadata: noIMDS.url)
        )
        _ = try await chain.credentials()
        #expect(chain.activeProviderName == "sts-web-identity(arn:aws:iam::1:role/r)")
    }
}
