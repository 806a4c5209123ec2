import AWSAuth
import Foundation
import MSKLocal
import Testing
import TestSupport

/// `msk-iam-token --json` names the real principal: the ARN STS's `GetCallerIdentity` gives for
/// the credentials that signed the token (msk-local's STS, over loopback), the one the gateway
/// authenticates; without an answer from STS, the access key id, and it says which.
@Suite(.timeLimit(.minutes(1)))
struct TokenCommandIdentityTests {
    static var binary: String? { ChildProcess.packageExecutable("msk-iam-token") }
    static var runnable: Bool { binary != nil || ProcessInfo.processInfo.environment["CI"] != nil }

    struct Output: Decodable {
        let token: String
        let principal: String
        let principal_source: String
        let account: String?
    }

    static func run(_ local: MSKLocalServer, _ arguments: [String]) async throws -> (Output?, ChildProcess.Outcome) {
        let environment = ["AWS_ACCESS_KEY_ID": local.endpoints.accessKeyID, "AWS_SECRET_ACCESS_KEY": local.endpoints.secretAccessKey,
                           "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"]
        let outcome = try await ChildProcess.run(try #require(binary), ["--region", local.endpoints.region, "--json"] + arguments, environment: environment, timeout: .seconds(30))
        return (try? JSONDecoder().decode(Output.self, from: outcome.stdout), outcome)
    }

    @Test(.enabled(if: runnable, "build the package first"))
    func thePrincipalIsTheARNTheGatewayAuthenticates() async throws {
        let local = try await MSKLocalFixture.start(brokers: 1)
        let (printed, outcome) = try await Self.run(local, ["--role-arn", local.endpoints.roleARNs[0], "--role-session-name", "cli",
                                                          "--sts-endpoint", local.endpoints.stsURL])
        let output = try #require(printed, "\(outcome.stderr)")
        let roleName = try #require(local.endpoints.roleARNs[0].split(separator: "/").last)
        #expect(output.principal == "arn:aws:sts::\(CredentialRegistry.accountID):assumed-role/\(roleName)/cli")
        #expect(output.principal_source == "sts_get_caller_identity")
        #expect(output.account == CredentialRegistry.accountID)
        let session = try MSKTokenValidator(region: local.endpoints.region, registry: local.registry).validate(token: output.token, now: Date()).get()
        #expect(session.principal == output.principal, "the ARN printed is the principal MSK authorizes")
        #expect(local.counters.snapshot.stsCalls["GetCallerIdentity"] == 1)
        await local.shutdown()
    }

    @Test(.enabled(if: runnable, "build the package first"), arguments: ["garbage", "huge", "error:403:InvalidClientTokenId", "slow:20"])
    func aBrokenSTSFallsBackToTheAccessKeyID(mode: String) async throws {
        let local = try await MSKLocalFixture.start(brokers: 1)
        let stub = try await LoopbackServerProcess.start(executable: "python3", arguments: [PackagePaths.fixture("aws_endpoint_stub.py", target: "AWSAuthTests").path])
        defer { stub.stop() }
        _ = try await URLSessionHTTPTransport().send(HTTPRequest(method: "POST", url: stub.baseURL.appendingPathComponent("__mode"), body: JSONEncoder().encode(["sts": mode])))
        let started = ContinuousClock.now
        let (printed, outcome) = try await Self.run(local, ["--sts-endpoint", stub.baseURL.absoluteString])
        let output = try #require(printed, "\(outcome.stderr)")
        #expect(outcome.status == 0)
        #expect(output.principal == local.endpoints.accessKeyID)
        #expect(output.principal_source == "access_key_id")
        #expect(output.account == nil)
        #expect(outcome.stderr.contains("GetCallerIdentity"), "\(outcome.stderr.prefix(300))")
        #expect(!outcome.stderr.contains(local.endpoints.secretAccessKey))
        #expect(outcome.stderr.utf8.count < 1_000)
        #expect(ContinuousClock.now - started < .seconds(20), "a stalled STS costs at most its 5-s timeout")
        await local.shutdown()
    }

    @Test(.enabled(if: runnable, "build the package first"))
    func noCallerIdentityAsksNothing() async throws {
        let local = try await MSKLocalFixture.start(brokers: 1)
        let (printed, outcome) = try await Self.run(local, ["--sts-endpoint", local.endpoints.stsURL, "--no-caller-identity"])
        let output = try #require(printed, "\(outcome.stderr)")
        #expect(output.principal == local.endpoints.accessKeyID && output.principal_source == "access_key_id")
        #expect(local.counters.snapshot.stsCalls["GetCallerIdentity"] == nil)
        await local.shutdown()
    }
}
