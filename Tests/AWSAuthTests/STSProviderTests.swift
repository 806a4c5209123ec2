import Foundation
import TestSupport
import Testing
@testable import AWSAuth

@Suite(.timeLimit(.minutes(1)))
struct STSProviderTests {
    static let source = StaticCredentialProvider(AWSCredentials(accessKeyID: "AKIDSOURCE", secretAccessKey: "source-secret-key"))

    /// 10 s by default, so that tests expecting an answer from the loopback stub do not fail on
    /// a loaded machine.
    func assumeRole(_ stub: AWSEndpointStub, timeout: Duration = .seconds(10)) throws -> STSAssumeRoleCredentialProvider {
        try STSAssumeRoleCredentialProvider(
            roleARN: "arn:aws:iam::123456789012:role/msk-producer", sourceCredentials: Self.source,
            region: "eu-west-1", endpoint: stub.url, durationSeconds: 900, externalID: "ext-1", timeout: timeout
        )
    }

    @Test func assumeRoleIsSignedAndKeepsOneSessionName() async throws {
        let stub = try await AWSEndpointStub()
        let provider = try assumeRole(stub)
        let first = try await provider.credentials()
        let second = try await provider.credentials()
        #expect(first.accessKeyID != second.accessKeyID)
        #expect(try #require(first.expiration) > Date())
        let requests = try await stub.requests()
        #expect(requests.count == 2)
        for request in requests {
            #expect(request.method == "POST")
            #expect(request.headers["authorization"]?.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIDSOURCE/") == true)
            #expect(request.headers["authorization"]?.contains("/eu-west-1/sts/aws4_request") == true)
            #expect(request.body.contains("Action=AssumeRole"))
            #expect(request.body.contains("DurationSeconds=900"))
            #expect(request.body.contains("ExternalId=ext-1"))
            #expect(!request.body.contains("source-secret-key"))
        }
        func sessionName(_ body: String) -> Substring? {
            body.split(separator: "&").first { $0.hasPrefix("RoleSessionName=") }
        }
        #expect(sessionName(requests[0].body) != nil)
        #expect(sessionName(requests[0].body) == sessionName(requests[1].body))
    }

    @Test(arguments: [
        ("throttle", "Throttling", true),
        ("access_denied", "AccessDenied", false),
        ("status:503", "HTTP 503", true),
        ("garbage", "could not be understood", false),
        ("missing:SessionToken", "missing <SessionToken>", false),
    ])
    func errorsAreTypedAndClassified(mode: String, expected: String, retriable: Bool) async throws {
        let stub = try await AWSEndpointStub(sts: mode)
        do {
            _ = try await assumeRole(stub).credentials()
            Issue.record("expected an STS error for \(mode)")
        } catch let error as STSError {
            #expect("\(error)".contains(expected), "\(error)")
            #expect("\(error)".contains("AssumeRole"))
            #expect(error.isRetriable == retriable, "\(error)")
            #expect(!"\(error)".contains("source-secret-key"))
        }
    }

    /// STS's answers that retrying cannot fix, with the HTTP status STS gives them: the provider
    /// must say so, so that the refresher's log and the caller do not suggest waiting it out.
    /// `ExpiredToken` is AssumeRole's answer to expired source credentials;
    /// `ExpiredTokenException` is what STS actually sends AssumeRoleWithWebIdentity for an
    /// expired OIDC token.
    @Test(arguments: [
        ("AssumeRole", 400, "ExpiredToken"),
        ("AssumeRole", 403, "RegionDisabledException"),
        ("AssumeRoleWithWebIdentity", 400, "InvalidIdentityToken"),
        ("AssumeRoleWithWebIdentity", 400, "ExpiredTokenException"),
        ("AssumeRoleWithWebIdentity", 403, "RegionDisabledException"),
    ])
    func permanentErrorsAreNotRetriable(action: String, status: Int, code: String) async throws {
        let stub = try await AWSEndpointStub(sts: "error:\(status):\(code)")
        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("irsa-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: tokenFile) }
        try "oidc-token".write(to: tokenFile, atomically: true, encoding: .utf8)
        let provider: any AWSCredentialProvider = action == "AssumeRole"
            ? try assumeRole(stub)
            : try STSWebIdentityCredentialProvider(roleARN: "arn:aws:iam::123456789012:role/irsa", webIdentityTokenFile: tokenFile.path, region: "eu-west-1", endpoint: stub.url, timeout: .seconds(10))
        do {
            let credentials = try await provider.credentials()
            Issue.record("expected \(code), got \(credentials)")
        } catch let error as STSError {
            guard case .service(let answeredAction, let answeredCode, _, let requestID, let answeredStatus) = error else {
                Issue.record("expected STSError.service, got \(error)")
                return
            }
            #expect(answeredAction == action)
            #expect(answeredCode == code)
            #expect(answeredStatus == status)
            #expect(requestID == "req-err-1")
            #expect(!error.isRetriable, "\(error)")
        }
        #expect(try await stub.requests().count == 1)
    }

    @Test func aStalledSTSTimesOutAsRetriable() async throws {
        let stub = try await AWSEndpointStub(sts: "slow:60")
        do {
            _ = try await assumeRole(stub, timeout: .milliseconds(500)).credentials()
            Issue.record("expected a timeout")
        } catch let error as STSError {
            guard case .transport(_, .timedOut) = error else { throw error }
            #expect(error.isRetriable)
        }
    }

    @Test func durationOutsideTheSTSRangeIsRefused() {
        #expect(throws: STSError.self) {
            try STSAssumeRoleCredentialProvider(roleARN: "arn", sourceCredentials: Self.source, region: "us-east-1", durationSeconds: 60)
        }
    }

    @Test func webIdentityRereadsTheTokenFileOnEveryRefresh() async throws {
        let stub = try await AWSEndpointStub()
        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("irsa-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: tokenFile) }
        try "oidc-token-one".write(to: tokenFile, atomically: true, encoding: .utf8)
        let provider = try #require(try STSWebIdentityCredentialProvider.fromEnvironment(
            ["AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/irsa", "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile.path,
             "AWS_ROLE_SESSION_NAME": "pod-7", "AWS_REGION": "us-west-2"],
            endpoint: stub.url
        ))
        _ = try await provider.credentials()
        try "oidc-token-two".write(to: tokenFile, atomically: true, encoding: .utf8)
        _ = try await provider.credentials()
        let bodies = try await stub.requests().map(\.body)
        #expect(bodies.count == 2)
        #expect(bodies[0].contains("WebIdentityToken=oidc-token-one"))
        #expect(bodies[1].contains("WebIdentityToken=oidc-token-two"))
        #expect(bodies.allSatisfy { $0.contains("RoleSessionName=pod-7") && $0.contains("Action=AssumeRoleWithWebIdentity") })
        #expect(try await stub.requests().allSatisfy { $0.headers["authorization"] == nil })
    }

    @Test func missingTokenFileIsATypedError() async throws {
        // Nothing listens at the endpoint: the provider must fail on the file, before any request.
        let closed = try UnlistenedPort()
        defer { closed.close() }
        let provider = try STSWebIdentityCredentialProvider(roleARN: "arn", webIdentityTokenFile: "/nonexistent/token", region: "us-east-1", endpoint: closed.url)
        await #expect {
            _ = try await provider.credentials()
        } throws: { error in
            guard case .unreadableWebIdentityTokenFile(let path, _)? = error as? STSError else { return false }
            return path == "/nonexistent/token"
        }
    }

    /// moto's STS returns real AWS-shaped XML.
    @Test func assumeRoleAgainstMotoServer() async throws {
        let moto = try await LoopbackServerProcess.start(executable: "python3", arguments: [PackagePaths.fixture("moto_server_on_free_port.py", target: "AWSAuthTests").path])
        defer { moto.stop() }
        let provider = try STSAssumeRoleCredentialProvider(
            roleARN: "arn:aws:iam::123456789012:role/moto-role", roleSessionName: "stable-session",
            sourceCredentials: StaticCredentialProvider(AWSCredentials(accessKeyID: "AKIDMOTO", secretAccessKey: "moto-secret")),
            region: "us-east-1", endpoint: moto.baseURL, durationSeconds: 3600
        )
        let credentials = try await provider.credentials()
        #expect(credentials.accessKeyID.hasPrefix("ASIA"))
        #expect(credentials.sessionToken?.isEmpty == false)
        let expiration = try #require(credentials.expiration)
        #expect(abs(expiration.timeIntervalSinceNow - 3600) < 120)
    }
}
