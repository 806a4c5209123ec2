import Foundation
import Testing
@testable import AWSAuth

@Suite(.timeLimit(.minutes(1)))
struct CredentialChainTests {
    /// Points the shared-files source at files that do not exist, so the machine's ~/.aws never leaks in.
    static let noFiles = ["AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials", "AWS_CONFIG_FILE": "/nonexistent/config"]

    @Test func environmentComesFirst() async throws {
        let chain = DefaultCredentialChain.make(environment: Self.noFiles.merging(["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "env-secret", "AWS_SESSION_TOKEN": "env-token"]) { $1 },
                                                endpoints: .init(instanceMetadata: URL(string: "http://127.0.0.1:9")!))
        let credentials = try await chain.credentials()
        #expect(credentials.accessKeyID == "AKIDENV")
        #expect(credentials.sessionToken == "env-token")
        #expect(chain.activeProviderName == "environment")
    }

    @Test func fallsThroughToTheContainerThenSticksToIt() async throws {
        let stub = try await AWSEndpointStub()
        let chain = DefaultCredentialChain.make(environment: Self.noFiles.merging(["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/ecs/task"]) { $1 },
                                                endpoints: .init(instanceMetadata: URL(string: "http://127.0.0.1:9")!, containerRelativeHost: stub.url))
        _ = try await chain.credentials()
        _ = try await chain.credentials()
        #expect(chain.activeProviderName == "container")
        #expect(try await stub.requests().count == 2)
    }

    @Test func fallsThroughToInstanceMetadata() async throws {
        let stub = try await AWSEndpointStub()
        let chain = DefaultCredentialChain.make(environment: Self.noFiles, endpoints: .init(instanceMetadata: stub.url))
        let credentials = try await chain.credentials()
        #expect(credentials.accessKeyID.hasPrefix("ASIASTUB"))
        #expect(chain.activeProviderName == "ec2-instance-metadata")
    }

    @Test func noCredentialsSaysWhatEverySourceAnswered() async throws {
        let chain = DefaultCredentialChain.make(
            environment: Self.noFiles.merging(["AWS_ACCESS_KEY_ID": "AKIDHALF", "AWS_ROLE_ARN": "arn:aws:iam::1:role/r", "AWS_WEB_IDENTITY_TOKEN_FILE": "/nonexistent/token",
                                               "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://example.com/creds", "AWS_PROFILE": "ops"]) { $1 },
            endpoints: .init(instanceMetadata: URL(string: "http://127.0.0.1:9")!)
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
        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("irsa-chain-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: tokenFile) }
        try "oidc".write(to: tokenFile, atomically: true, encoding: .utf8)
        let chain = DefaultCredentialChain.make(
            region: "eu-west-1",
            environment: Self.noFiles.merging(["AWS_ROLE_ARN": "arn:aws:iam::1:role/r", "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile.path]) { $1 },
            endpoints: .init(sts: stub.url, instanceMetadata: URL(string: "http://127.0.0.1:9")!)
        )
        _ = try await chain.credentials()
        #expect(chain.activeProviderName == "sts-web-identity(arn:aws:iam::1:role/r)")
    }
}
