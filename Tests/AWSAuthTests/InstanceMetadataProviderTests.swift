import Foundation
import TestSupport
import Testing
@testable import AWSAuth

@Suite(.timeLimit(.minutes(1)))
struct InstanceMetadataProviderTests {
    /// 10 s by default: the stub is on loopback, but on a loaded 2-core machine a Python server
    /// can take a while to answer, and tests that expect an answer must not fail on a timeout.
    func provider(_ stub: AWSEndpointStub, timeout: Duration = .seconds(10)) -> EC2InstanceMetadataCredentialProvider {
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
        await #expect {
            _ = try await provider(stub, timeout: .milliseconds(500)).credentials()
        } throws: { error in
            // The first step stalls; the provider says which step and that it was a timeout.
            guard case .unreachable(_, "session token", .timedOut)? = error as? CredentialSourceError else { return false }
            return true
        }
        // The server would answer after 60 s; a generous bound still proves the timeout fired.
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test func nothingListeningIsAConnectionError() async throws {
        let closed = try UnlistenedPort()
        defer { closed.close() }
        // A refusal is immediate; the long timeout keeps a slow machine from turning it into a
        // timeout, which is a different error.
        let provider = EC2InstanceMetadataCredentialProvider(endpoint: closed.url, environment: [:], timeout: .seconds(10))
        await #expect {
            _ = try await provider.credentials()
        } throws: { error in
            guard case .unreachable(_, "session token", .connectionFailed)? = error as? CredentialSourceError else { return false }
            return true
        }
    }

    @Test func disabledByEnvironment() async throws {
        // Even with a server that would answer, the disabled source asks nothing.
        let stub = try await AWSEndpointStub()
        let provider = EC2InstanceMetadataCredentialProvider(endpoint: stub.url, environment: ["AWS_EC2_METADATA_DISABLED": "true"], timeout: .seconds(10))
        await #expect {
            _ = try await provider.credentials()
        } throws: { error in
            guard case .notConfigured(_, let reason)? = error as? CredentialSourceError else { return false }
            return reason.contains("AWS_EC2_METADATA_DISABLED")
        }
        #expect(try await stub.requests().isEmpty)
    }

    /// Without an endpoint argument the provider takes `AWS_EC2_METADATA_SERVICE_ENDPOINT`.
    @Test func endpointFromTheEnvironment() async throws {
        let stub = try await AWSEndpointStub()
        let provider = EC2InstanceMetadataCredentialProvider(environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": stub.url.absoluteString], timeout: .seconds(10))
        #expect(provider.endpoint == stub.url)
        let credentials = try await provider.credentials()
        #expect(credentials.accessKeyID.hasPrefix("ASIASTUB"))
        #expect(try await stub.requests().count == 3)
    }

    /// An explicit endpoint wins over `AWS_EC2_METADATA_SERVICE_ENDPOINT` (tests and local
    /// stand-ins pass one); here the variable names a port where nothing listens.
    @Test func anExplicitEndpointWinsOverTheEnvironment() async throws {
        let stub = try await AWSEndpointStub()
        let closed = try UnlistenedPort()
        defer { closed.close() }
        let provider = EC2InstanceMetadataCredentialProvider(endpoint: stub.url, environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": closed.url.absoluteString], timeout: .seconds(10))
        let credentials = try await provider.credentials()
        #expect(credentials.accessKeyID.hasPrefix("ASIASTUB"))
    }
}
