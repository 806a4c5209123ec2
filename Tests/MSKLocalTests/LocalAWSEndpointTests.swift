import AWSAuth
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MSKAuth
import MSKKafka
import MSKLocal
import Testing

/// AWSAuth's real providers against msk-local's STS, IMDSv2 and ECS endpoints: the credentials
/// they fetch sign tokens the gateway accepts; STS refuses what AWS would refuse.
@Suite(.timeLimit(.minutes(2)))
struct LocalAWSEndpointTests {
    func assertSignsAcceptedTokens(_ credentials: AWSCredentials, _ local: MSKLocalServer, principalSuffix: String) throws {
        let token = try MSKIAMTokenSigner(region: local.endpoints.region).token(for: credentials, at: Date())
        let session = try MSKTokenValidator(region: local.endpoints.region, registry: local.registry).validate(token: token.value, now: Date()).get()
        #expect(session.principal.hasSuffix(principalSuffix), "\(session.principal)")
    }

    @Test func imdsV2AndECSProvidersFetchRotatingCredentials() async throws {
        var configuration = MSKLocalConfiguration()
        configuration.brokers = 1
        configuration.containerAuthorizationToken = "local-container-token"
        configuration.logger = MSKLocalFixture.quiet
        let local = try await MSKLocalServer.start(configuration)

        let imds = EC2InstanceMetadataCredentialProvider(endpoint: try MSKLocalFixture.url(local.endpoints.imdsURL))
        let first = try await imds.credentials()
        let second = try await imds.credentials()
        #expect(first.accessKeyID != second.accessKeyID)
        #expect(first.expiration != nil && first.sessionToken != nil)
        try assertSignsAcceptedTokens(second, local, principalSuffix: ":assumed-role/msk-local-instance/i-0msklocal")

        let container = ContainerCredentialProvider(url: try MSKLocalFixture.url(local.endpoints.ecsURL), authorizationToken: "local-container-token")
        try assertSignsAcceptedTokens(try await container.credentials(), local, principalSuffix: ":assumed-role/msk-local-instance/i-0msklocal")
        await #expect(throws: (any Error).self) {
            _ = try await ContainerCredentialProvider(url: try MSKLocalFixture.url(local.endpoints.ecsURL), authorizationToken: "wrong").credentials()
        }
        let counters = local.counters.snapshot
        #expect(counters.imdsCredentialRequests == 2)
        #expect(counters.ecsCredentialRequests == 1)
        await local.shutdown()
    }

    @Test func stsRefusesWhatAWSWouldRefuse() async throws {
        let local = try await MSKLocalFixture.start(brokers: 1)
        let stsURL = try MSKLocalFixture.url(local.endpoints.stsURL)
        func code(source: AWSCredentials, role: String? = nil, duration: Int? = nil) async -> String? {
            do {
                let provider = try STSAssumeRoleCredentialProvider(roleARN: role ?? local.endpoints.roleARNs[0], roleSessionName: "checks",
                                                                   sourceCredentials: StaticCredentialProvider(source), region: "us-east-1",
                                                                   endpoint: stsURL, durationSeconds: duration)
                _ = try await provider.credentials()
                return nil
            } catch let error as STSError {
                if case .service(_, let code, _, _, _) = error { return code }
                return "\(error)"
            } catch {
                return "\(error)"
            }
        }
        let good = AWSCredentials(accessKeyID: local.endpoints.accessKeyID, secretAccessKey: local.endpoints.secretAccessKey)
        #expect(await code(source: good) == nil)
        #expect(await code(source: AWSCredentials(accessKeyID: good.accessKeyID, secretAccessKey: "wrong-secret")) == "SignatureDoesNotMatch")
        #expect(await code(source: AWSCredentials(accessKeyID: "AKIANOBODYKNOWS00000", secretAccessKey: "x")) == "InvalidClientTokenId")
        #expect(await code(source: good, role: "arn:aws:iam::111122223333:role/not-allowed") == "AccessDenied")
        // Assumed-role credentials can assume again (role chaining) and are checked with their session token.
        let chained = try await STSAssumeRoleCredentialProvider(roleARN: local.endpoints.roleARNs[0], roleSessionName: "first",
                                                                sourceCredentials: StaticCredentialProvider(good), region: "us-east-1", endpoint: stsURL).credentials()
        #expect(await code(source: chained) == nil)
        #expect(local.counters.snapshot.stsFailures["SignatureDoesNotMatch"] == 1)
        // Who each is, in STS's own shapes: a user's unique id, a role session's `AROA…:session`;
        // never the access key id.
        let identity = try STSCallerIdentityClient(region: "us-east-1", endpoint: stsURL)
        let user = try await identity.callerIdentity(signingWith: good)
        #expect(user.arn.contains(":user/") && user.userID.hasPrefix("AIDA") && user.userID != good.accessKeyID, "\(user.userID)")
        let session = try await identity.callerIdentity(signingWith: chained)
        #expect(session.arn.hasSuffix("/first") && session.userID.hasPrefix("AROA") && session.userID.hasSuffix(":first"), "\(session.userID)")
        await local.shutdown()
    }

    @Test func stsFaultsReachTheProviderAsTypedErrors() async throws {
        let local = try await MSKLocalFixture.start(brokers: 1)
        let source = StaticCredentialProvider(AWSCredentials(accessKeyID: local.endpoints.accessKeyID, secretAccessKey: local.endpoints.secretAccessKey))
        let provider = try STSAssumeRoleCredentialProvider(roleARN: local.endpoints.roleARNs[0], sourceCredentials: source, region: "us-east-1",
                                                           endpoint: try MSKLocalFixture.url(local.endpoints.stsURL), timeout: .seconds(10))
        // Each fault as the error it must be, not merely "retriable" (a timeout would be that too).
        for mode in ["500", "throttling", "malformed", "hang"] {
            #expect(try await MSKLocalFixture.controlPOST(local, "sts-fail?count=1&mode=\(mode)") == 200)
            do {
                _ = try await provider.credentials()
                Issue.record("STS fault \(mode) did not fail the call")
            } catch let error as STSError {
                switch (mode, error) {
                case ("500", .service(_, "InternalFailure", _, _, 500)), ("throttling", .service(_, "Throttling", _, _, 400)),
                     ("malformed", .malformedResponse), ("hang", .transport(_, .timedOut)):
                    if mode != "malformed" { #expect(error.isRetriable, "\(mode): \(error)") }
                default:
                    Issue.record("STS fault \(mode) surfaced as \(error)")
                }
            }
        }
        _ = try await provider.credentials()
        await local.shutdown()
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["MSK_ISOLATED_TESTS"] != nil, "timing-sensitive: runs apart from the busy suite (scripts/test.sh sets MSK_ISOLATED_TESTS)"))
    func webIdentityTokenFileRotatedMidRunKeepsTheProducerDelivering() async throws {
        // Credentials of 20 s are refreshed at half-life, after the file was rotated at 5 s.
        let local = try await MSKLocalFixture.start(brokers: 1, credentialLifetime: 20, topics: [("irsa", 1)])
        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("msk-local-irsa-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: tokenFile) }
        try local.oidc.token(subject: "first").write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let provider = try STSWebIdentityCredentialProvider(roleARN: local.endpoints.roleARNs[0], webIdentityTokenFile: tokenFile, roleSessionName: "irsa",
                                                            region: "us-east-1", endpoint: try MSKLocalFixture.url(local.endpoints.stsURL))
        let credentials = try RefreshingCredentialCache(provider: provider, logger: MSKLocalFixture.quiet)
        let producer = try KafkaProducer(configuration: try MSKLocalFixture.producerConfiguration(local, credentials: credentials, tokenLifetime: 10),
                                         logger: MSKLocalFixture.quiet)
        let ledger = DeliveryLedger()
        let rotation = Task {
            try await Task.sleep(for: .seconds(5))
            // The kubelet replaces the projected token file atomically.
            try local.oidc.token(subject: "second").write(toFile: tokenFile, atomically: true, encoding: .utf8)
        }
        // 25 s: past the first credentials' end (20 s), so that a session on them must have
        // ended and the next one authenticated with the refreshed ones, whatever the refresh
        // jitter (with 15 s, the run could end inside a session on the first credentials).
        try await ledger.produce(producer, topic: "irsa", count: 250, interval: .milliseconds(100))
        try await rotation.value
        #expect(await producer.flush(timeout: .seconds(30)))
        await producer.shutdown()
        #expect(ledger.delivered.count == 250, "\(ledger.failed.values.prefix(3))")
        let counters = local.counters.snapshot
        #expect(counters.distinctWebIdentityTokens == 2, "the rotated file was read on a later refresh")
        #expect(counters.distinctAccessKeys >= 2)
        #expect(counters.authenticationsFailed == 0, "\(counters.authenticationFailuresByReason)")
        await local.shutdown()
    }
}

/// The env file msk-local writes points the AWS default chain at it.
struct EnvironmentFileTests {
    @Test func theDefaultChainReadsCredentialsFromMSKLocalThroughTheEnvFile() async throws {
        let local = try await MSKLocalFixture.start(brokers: 1)
        var environment: [String: String] = ["HOME": "/nonexistent", "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"]
        for line in local.environmentFile.split(whereSeparator: \.isNewline) {
            let assignment = line.dropFirst("export ".count).split(separator: "=", maxSplits: 1).map(String.init)
            environment[assignment[0]] = assignment[1]
        }
        let chain = DefaultCredentialChain.make(region: environment["AWS_REGION"], environment: environment)
        let credentials = try await chain.credentials()
        let token = try MSKIAMTokenSigner(region: local.endpoints.region).token(for: credentials, at: Date())
        let session = try MSKTokenValidator(region: local.endpoints.region, registry: local.registry).validate(token: token.value, now: Date()).get()
        #expect(session.principal.hasSuffix(":assumed-role/msk-local-instance/i-0msklocal"))
        #expect(local.counters.snapshot.ecsCredentialRequests == 1)
        await local.shutdown()
    }
}

/// msk-local's STS verifies web identity tokens as AWS does against a registered OIDC provider:
/// only tokens its own issuer signed, for the STS audience, not expired.
@Suite(.timeLimit(.minutes(1)))
struct WebIdentityVerificationTests {
    static func assume(_ local: MSKLocalServer, token: String) async throws -> AWSCredentials {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("msk-local-wi-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try token.write(toFile: file, atomically: true, encoding: .utf8)
        let provider = try STSWebIdentityCredentialProvider(roleARN: local.endpoints.roleARNs[0], webIdentityTokenFile: file, roleSessionName: "wi",
                                                            region: "us-east-1", endpoint: try MSKLocalFixture.url(local.endpoints.stsURL))
        return try await provider.credentials()
    }

    static func expectRefused(_ local: MSKLocalServer, token: String, code: String, sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            _ = try await assume(local, token: token)
            Issue.record("a token that should be refused with \(code) was accepted", sourceLocation: sourceLocation)
        } catch let error as STSError {
            guard case .service(_, let got, _, _, let status) = error else { Issue.record("\(error)", sourceLocation: sourceLocation); return }
            #expect(got == code && status == 400, "\(error)", sourceLocation: sourceLocation)
            #expect(!error.isRetriable, sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func onlyTokensOfItsOwnIssuerForTheSTSAudienceAndUnexpiredAreAccepted() async throws {
        let local = try await MSKLocalFixture.start(brokers: 1)
        let credentials = try await Self.assume(local, token: local.oidc.token(subject: "system:serviceaccount:shop:orders"))
        #expect(local.registry.lookup(accessKeyID: credentials.accessKeyID)?.principal.hasSuffix(":assumed-role/msk-local-client/wi") == true)

        let genuine = local.oidc.token(subject: "s").split(separator: ".").map(String.init)
        let unsigned = genuine[0] + "." + genuine[1] + "."
        await Self.expectRefused(local, token: unsigned, code: "InvalidIdentityToken")
        await Self.expectRefused(local, token: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJmaXJzdCJ9.c2lnbmF0dXJlLW9uZQ", code: "InvalidIdentityToken")
        await Self.expectRefused(local, token: LocalOIDCIssuer().token(subject: "s"), code: "InvalidIdentityToken")  // another key
        await Self.expectRefused(local, token: local.oidc.token(subject: "s", audience: "another-client"), code: "InvalidIdentityToken")
        await Self.expectRefused(local, token: local.oidc.token(subject: "s", lifetime: 60, now: Date().addingTimeInterval(-120)), code: "ExpiredTokenException")
        // Claims changed after signing (another subject): the signature no longer verifies.
        let standard = genuine[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        let claims = try #require(Data(base64Encoded: standard + String(repeating: "=", count: (4 - standard.count % 4) % 4)))
        let otherSubject = String(decoding: claims, as: UTF8.self).replacingOccurrences(of: "\"sub\":\"s\"", with: "\"sub\":\"admin\"")
        #expect(otherSubject.contains("admin"))
        let reencoded = Data(otherSubject.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        await Self.expectRefused(local, token: genuine[0] + "." + reencoded + "." + genuine[2], code: "InvalidIdentityToken")
        await local.shutdown()
    }

    @Test func theIssuersKeysAreServedAsAJWKSAndTheControlAPIMintsTokens() async throws {
        let local = try await MSKLocalFixture.start(brokers: 1)
        let keysURL = try #require(local.endpoints.oidcKeysURL.flatMap { URL(string: $0) })
        let (keys, _) = try await URLSession.shared.data(from: keysURL)
        let jwks = try #require(try JSONSerialization.jsonObject(with: keys) as? [String: [[String: String]]])
        #expect(jwks["keys"]?.first?["crv"] == "P-256" && jwks["keys"]?.first?["alg"] == "ES256")
        var request = URLRequest(url: try MSKLocalFixture.url(local.endpoints.controlURL + "/web-identity-token?subject=ci&lifetime=600"))
        request.httpMethod = "POST"
        let (body, _) = try await URLSession.shared.data(for: request)
        let token = try #require((try JSONSerialization.jsonObject(with: body) as? [String: String])?["token"])
        _ = try await Self.assume(local, token: token)
        await local.shutdown()
    }
}
