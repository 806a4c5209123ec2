import Foundation
import TestSupport
import Testing
@testable import AWSAuth

/// STS `GetCallerIdentity` over real loopback HTTP against the scriptable stub: a signed POST,
/// the identity read field by field, and every bad answer a typed error without secrets.
@Suite(.timeLimit(.minutes(1)))
struct CallerIdentityTests {
    static let credentials = AWSCredentials(accessKeyID: "ASIACALLER", secretAccessKey: "caller-secret-key", sessionToken: "caller-session-token")

    func client(_ stub: AWSEndpointStub, timeout: Duration = .seconds(10)) throws -> STSCallerIdentityClient {
        try STSCallerIdentityClient(region: "eu-west-1", endpoint: stub.url, timeout: timeout)
    }

    @Test func theIdentityComesFromASignedPOST() async throws {
        let stub = try await AWSEndpointStub()
        let identity = try await client(stub).callerIdentity(signingWith: Self.credentials)
        #expect(identity == AWSCallerIdentity(arn: "arn:aws:sts::123456789012:assumed-role/stub/s", account: "123456789012", userID: "AROASTUB:s"))
        #expect("\(identity)" == identity.arn)
        let request = try #require(try await stub.requests().first)
        #expect(request.method == "POST")
        #expect(request.body == "Action=GetCallerIdentity&Version=2011-06-15")
        #expect(request.headers["authorization"]?.hasPrefix("AWS4-HMAC-SHA256 Credential=ASIACALLER/") == true)
        #expect(request.headers["authorization"]?.contains("/eu-west-1/sts/aws4_request") == true)
        #expect(request.headers["x-amz-security-token"] == "caller-session-token", "the session token travels as STS requires")
        #expect(request.headers["authorization"]?.contains("caller-secret-key") == false)
    }

    /// Answers a broken or hostile STS could give, and what each must become.
    @Test(arguments: [
        ("garbage", "the body is not XML", false),
        ("status:500", "HTTP 500", true),
        ("error:403:InvalidClientTokenId", "InvalidClientTokenId", false),
        ("error:400:Throttling", "Throttling", true),
        ("missing:Arn", "missing <Arn>", false),
        ("missing:Account", "missing <Account>", false),
        ("missing:UserId", "missing <UserId>", false),
        ("field:Arn:not-an-arn", "<Arn> is not an ARN", false),
        ("field:Arn:arn:aws:iam::123456789012:user/with space", "<Arn> is not an ARN", false),
        ("field:Account:12345678901x", "<Account> is not a 12-digit account id", false),
        ("field:Account:1234567890123", "<Account> is not a 12-digit account id", false),
        ("field:UserId:\u{1F600}", "<UserId> is not a user id", false),
        ("huge", "more than an STS answer ever has", false),
    ])
    func badAnswersAreTypedErrors(mode: String, expected: String, retriable: Bool) async throws {
        let stub = try await AWSEndpointStub(sts: mode)
        do {
            let identity = try await client(stub).callerIdentity(signingWith: Self.credentials)
            Issue.record("expected an error for \(mode), got \(identity)")
        } catch let error as STSError {
            let text = "\(error)"
            #expect(text.contains(expected), "\(text)")
            #expect(text.contains("GetCallerIdentity"), "\(text)")
            #expect(error.isRetriable == retriable, "\(text)")
            #expect(!text.contains("caller-secret-key") && !text.contains("caller-session-token"))
            #expect(text.utf8.count < 600, "a hostile answer is not quoted back at length")
        }
    }

    @Test func aStalledSTSTimesOut() async throws {
        let stub = try await AWSEndpointStub(sts: "slow:60")
        let started = ContinuousClock.now
        do {
            _ = try await client(stub, timeout: .milliseconds(500)).callerIdentity(signingWith: Self.credentials)
            Issue.record("expected a timeout")
        } catch let error as STSError {
            guard case .transport(_, .timedOut) = error else { throw error }
        }
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func nothingListeningIsATransportError() async throws {
        let unlistened = try UnlistenedPort()
        defer { unlistened.close() }
        let client = try STSCallerIdentityClient(region: "eu-west-1", endpoint: unlistened.url, timeout: .seconds(5))
        do {
            _ = try await client.callerIdentity(signingWith: Self.credentials)
            Issue.record("expected a transport error")
        } catch {
            guard case .transport = error else { throw error }
            #expect(error.isRetriable)
        }
    }

    @Test func chinaRegionsUseTheirOwnDomainAndBadEndpointsAreRefused() throws {
        #expect(try STSClient(region: "cn-north-1", endpointOverride: nil, transport: URLSessionHTTPTransport(), timeout: .seconds(1)).endpoint.absoluteString
            == "https://sts.cn-north-1.amazonaws.com.cn/")
        #expect(try STSClient(region: "eu-west-1", endpointOverride: nil, transport: URLSessionHTTPTransport(), timeout: .seconds(1)).endpoint.absoluteString
            == "https://sts.eu-west-1.amazonaws.com/")
        #expect(throws: STSError.self) { try STSCallerIdentityClient(region: "eu-west-1", endpoint: URL(string: "ftp://127.0.0.1/")) }
        #expect(throws: STSError.self) { try STSCallerIdentityClient(region: "") }
    }
}
