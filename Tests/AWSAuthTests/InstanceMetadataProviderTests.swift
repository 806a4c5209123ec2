import Foundation
import Testing
@testable import AWSAuth

@Suite(.timeLimit(.minutes(1)))
struct InstanceMetadataProviderTests {
    func provider(_ stub: AWSEndpointStub, timeout: Duration = .seconds(2)) -> EC2InstanceMetadataCredentialProvider {
        EC2InstanceMetadataCredentialProvider(endpoint: stub.url, environment: [:], timeout: timeout)
    }

    @Test func fetchesRoleCredentialsWithAnIMDSv2SessionToken() async throws {
        let stub = try await AWSEndpointStub()
        let credentials = try await provider(stub).credentials()
        #expect(credentials.accessKeyID.hasPrefix("ASIASTUB"))
        #expect(credentials.sessionToken?.hasPrefix("stub-session-token-") == true)
        #expect(try #require(credentials.expiration) > Date())
        let requests = try await stub.requests()
        #expect(requests.map(\.method) == ["PUT", "GET", "GET"])
        #expect(requests[0].headers["x-aws-ec2-metadata-token-ttl-seconds"] != nil)
        #expect(requests[1].headers["x-aws-ec2-metadata-token"] == "imds-session-token")
        #expect(requests[2].path == "/latest/meta-data/iam/security-credentials/stub-instance-role")
    }

    @Test(arguments: [
        ("garbage", "not a JSON credentials document"),  // a 200 with garbage at every step
        ("status:404", "HTTP 404"),
        ("status:500", "HTTP 500"),
        ("missing:SecretAccessKey", "SecretAccessKey is missing"),
        ("missing:Expiration", "Expiration is missing"),
        ("code:Failure", "Code is 'Failure'"),
    ])
    func badAnswersGiveTypedErrorsNamingTheStep(mode: String, expected: String) async throws {
        let stub = try await AWSEndpointStub(imds: mode)
        do {
            _ = try await provider(stub).credentials()
            Issue.record("expected an error for mode \(mode)")
        } catch let error as CredentialSourceError {
            let text = "\(error)"
            #expect(text.contains("ec2-instance-metadata"))
            #expect(text.contains(expected), "\(text)")
            #expect(!text.contains("stub-secret"))
        }
    }

    @Test func aStalledEndpointTimesOut() async throws {
        let stub = try await AWSEndpointStub(imds: "slow:60")
        let started = ContinuousClock.now
        await #expect(throws: CredentialSourceError.self) {
            _ = try await provider(stub, timeout: .milliseconds(500)).credentials()
        }
        // The server would answer after 60 s; a generous bound still proves the timeout fired.
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test func nothingListeningIsAConnectionError() async throws {
        let provider = EC2InstanceMetadataCredentialProvider(endpoint: URL(string: "http://127.0.0.1:9")!, environment: [:], timeout: .seconds(1))
        await #expect(throws: CredentialSourceError.self) { _ = try await provider.credentials() }
    }

    @Test func disabledByEnvironment() async throws {
        let provider = EC2InstanceMetadataCredentialProvider(endpoint: URL(string: "http://127.0.0.1:9")!, environment: ["AWS_EC2_METADATA_DISABLED": "true"])
        await #expect(throws: CredentialSourceError.self) { _ = try await provider.credentials() }
    }
}
