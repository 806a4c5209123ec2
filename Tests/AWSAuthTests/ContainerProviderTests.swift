import Foundation
import Testing
@testable import AWSAuth

@Suite(.timeLimit(.minutes(1)))
struct ContainerProviderTests {
    @Test func relativeURIWithARotatingAuthorizationTokenFile() async throws {
        let stub = try await AWSEndpointStub()
        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("ecs-token-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: tokenFile) }
        try "first-token\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        let provider = try #require(try ContainerCredentialProvider.fromEnvironment(
            ["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/ecs/v2/credentials/abc", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile.path],
            relativeURIHost: stub.url, transport: GenerousTimeoutTransport()
        ))
        let first = try await provider.credentials()
        try "second-token".write(to: tokenFile, atomically: true, encoding: .utf8)
        let second = try await provider.credentials()
        #expect(first.accessKeyID != second.accessKeyID)
        let requests = try await stub.requests()
        #expect(requests.map { $0.headers["authorization"] } == ["first-token", "second-token"])
        #expect(requests.allSatisfy { $0.path == "/ecs/v2/credentials/abc" })
    }

    @Test func fullURIOnLoopbackWithAStaticToken() async throws {
        let stub = try await AWSEndpointStub()
        let provider = try #require(try ContainerCredentialProvider.fromEnvironment([
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": stub.url.appendingPathComponent("ecs/full").absoluteString,
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "static-token",
        ], transport: GenerousTimeoutTransport()))
        _ = try await provider.credentials()
        #expect(try await stub.requests().first?.headers["authorization"] == "static-token")
    }

    @Test func refusesPlainHTTPToAnyOtherHost() {
        #expect(throws: CredentialSourceError.self) {
            try ContainerCredentialProvider.fromEnvironment(["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://example.com/creds"])
        }
    }

    @Test func unsetEnvironmentMeansNoProvider() throws {
        #expect(try ContainerCredentialProvider.fromEnvironment([:]) == nil)
    }

    @Test(arguments: ["garbage", "status:500", "missing:AccessKeyId"])
    func badAnswers(mode: String) async throws {
        let stub = try await AWSEndpointStub(ecs: mode)
        let provider = ContainerCredentialProvider(url: stub.url.appendingPathComponent("ecs/creds"), timeout: .seconds(10))
        await #expect(throws: CredentialSourceError.self) { _ = try await provider.credentials() }
    }
}
