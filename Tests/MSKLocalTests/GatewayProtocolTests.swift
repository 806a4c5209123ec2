import AWSAuth
import Foundation
import MSKAuth
import MSKLocal
import Testing
import TestSupport

/// The gateway's Kafka protocol behaviour, seen by an independent raw client (Python): SASL
/// advertised, addresses rewritten, KIP-368 re-authentication, a change of principal refused,
/// requests before authentication and other mechanisms refused.
@Suite(.timeLimit(.minutes(1)))
struct GatewayProtocolTests {
    struct Report: Decodable {
        struct APIVersions: Decodable { let error: Int; let versions: [String: [Int]] }
        struct Handshake: Decodable { let error: Int; let mechanisms: [String] }
        struct Authenticate: Decodable { let error: Int; let message: String?; let session_lifetime_ms: Int64 }
        let api_versions: APIVersions
        let handshake: Handshake
        let authenticate: Authenticate
        let metadata_brokers: [String]
        let reauthenticate: Authenticate
        let metadata_after_reauth: [String]
        let change_principal: Authenticate
        let closed_after_change: Bool
        let metadata_before_auth: [String]?
        let plain_handshake: Handshake
        let closed_after_plain: Bool
        let closed_after_negative_size: Bool
        let closed_after_huge_size: Bool
        let api_versions_after_garbage: Int
    }

    @Test func reauthenticationAddressRewritingAndRefusals() async throws {
        let local = try await MSKLocalFixture.start(brokers: 2)
        let source = AWSCredentials(accessKeyID: local.endpoints.accessKeyID, secretAccessKey: local.endpoints.secretAccessKey)
        let other = local.registry.issue(principal: "arn:aws:sts::111122223333:assumed-role/other/s", lifetime: 600, now: Date())
        let signer = try MSKIAMTokenSigner(region: local.endpoints.region)
        let tokenA1 = try signer.token(for: source, at: Date().addingTimeInterval(-60)).value
        let tokenA2 = try signer.token(for: source, at: Date()).value
        let tokenB = try signer.token(for: other.credentials, at: Date()).value
        let gateway = local.endpoints.bootstrapServers.split(separator: ",")[0].split(separator: ":")
        let outcome = try await ChildProcess.run("python3", [PackagePaths.fixture("kafka_sasl_client.py", target: "MSKLocalTests").path,
                                                       String(gateway[0]), String(gateway[1]), tokenA1, tokenA2, tokenB])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let report = try JSONDecoder().decode(Report.self, from: outcome.stdout)

        #expect(report.api_versions.versions["17"] == [0, 1])
        #expect(report.api_versions.versions["36"] == [0, 1])
        #expect((report.api_versions.versions["3"]?[1] ?? 99) <= 8)
        #expect(report.handshake.error == 0)
        #expect(report.authenticate.error == 0)
        #expect((820_000...840_000).contains(report.authenticate.session_lifetime_ms), "a token signed 60 s ago has at most 840 s left")
        #expect(Set(report.metadata_brokers) == Set(local.endpoints.bootstrapServers.split(separator: ",").map(String.init)))
        #expect(report.reauthenticate.error == 0)
        #expect(report.reauthenticate.session_lifetime_ms > report.authenticate.session_lifetime_ms, "re-authentication extends the session")
        #expect(report.metadata_after_reauth == report.metadata_brokers)
        #expect(report.change_principal.error == 58)
        #expect(report.change_principal.message?.contains("Cannot change principals during re-authentication from ") == true)
        #expect(report.change_principal.message?.hasSuffix(": arn:aws:sts::111122223333:assumed-role/other/s") == true)
        #expect(report.closed_after_change)
        #expect(report.metadata_before_auth == nil, "a request before authentication closes the connection")
        #expect(report.plain_handshake.error == 33)
        #expect(report.plain_handshake.mechanisms == ["OAUTHBEARER"])
        #expect(report.closed_after_plain)
        #expect(report.closed_after_negative_size && report.closed_after_huge_size, "garbage closes the connection")
        #expect(report.api_versions_after_garbage == 0, "and the gateway keeps serving")

        let counters = local.counters.snapshot
        #expect(counters.reauthentications == 1)
        #expect(counters.authenticationFailuresByReason["principal_changed"] == 1)
        #expect(counters.unauthenticatedRequests == 1)
        await local.shutdown()
    }
}

/// AWS's own clients against msk-local: boto3's STS client, and a token from AWS's official MSK
/// IAM signer authenticated at the gateway. Proves the SigV4 checks interoperate, not only agree
/// with this project's own signer.
@Suite(.timeLimit(.minutes(1)))
struct OfficialClientTests {
    struct Report: Decodable {
        struct Authenticate: Decodable { let error: Int; let message: String?; let session_lifetime_ms: Int64 }
        let caller: String
        let assumed_arn: String
        let caller_as_role: String
        let wrong_secret: String
        let handshake: Int
        let authenticate: Authenticate
    }

    @Test func boto3AndTheOfficialMSKSignerAreAccepted() async throws {
        let local = try await MSKLocalFixture.start(brokers: 1, credentialLifetime: 600)
        let line = String(decoding: try JSONEncoder().encode(local.endpoints), as: UTF8.self)
        let outcome = try await ChildProcess.run("python3", [PackagePaths.fixture("official_clients.py", target: "MSKLocalTests").path, line])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let report = try JSONDecoder().decode(Report.self, from: outcome.stdout)
        #expect(report.caller == "arn:aws:iam::111122223333:user/msk-local")
        #expect(report.assumed_arn == "arn:aws:sts::111122223333:assumed-role/msk-local-client/official-clients")
        #expect(report.caller_as_role == report.assumed_arn)
        #expect(report.wrong_secret == "SignatureDoesNotMatch")
        #expect(report.handshake == 0)
        #expect(report.authenticate.error == 0, "\(report.authenticate.message ?? "")")
        #expect(report.authenticate.session_lifetime_ms > 0)
        #expect(local.counters.snapshot.authenticationsByPrincipal[report.assumed_arn] == 1)
        await local.shutdown()
    }
}
