import AWSAuth
import Foundation
import TestSupport
import Testing
@testable import MSKAuth

@Suite struct MSKIAMTokenSignerTests {
    let signingTime = Date(timeIntervalSince1970: 1_795_338_159.75)

    @Test func lifetimeIsSigningTimePlusExpiry() throws {
        let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret")
        let token = try MSKIAMTokenSigner(region: "us-east-1", expiresIn: 60).token(for: credentials, at: signingTime)
        #expect(token.lifetimeMs == 1_795_338_159_000 + 60_000)
        #expect(token.principal == "AKIDEXAMPLE")
    }

    @Test func tokenNeverOutlivesItsCredentials() throws {
        let expiration = Date(timeIntervalSince1970: 1_795_338_159 + 120.5)
        let credentials = AWSCredentials(accessKeyID: "ASIAEXAMPLE", secretAccessKey: "secret", sessionToken: "token", expiration: expiration)
        let token = try MSKIAMTokenSigner(region: "eu-west-1").token(for: credentials, at: signingTime)
        #expect(token.lifetimeMs == 1_795_338_159_000 + 120_500)
    }

    @Test func refusesToSignWithExpiredCredentials() throws {
        let credentials = AWSCredentials(accessKeyID: "ASIAEXAMPLE", secretAccessKey: "secret", sessionToken: "token", expiration: signingTime.addingTimeInterval(-1))
        #expect(throws: MSKIAMTokenError.credentialsExpired(accessKeyID: "ASIAEXAMPLE")) {
            try MSKIAMTokenSigner(region: "eu-west-1").token(for: credentials, at: signingTime)
        }
    }

    @Test(arguments: [0, -1, 901, 3600])
    func rejectsExpiriesOutsideOneToNineHundredSeconds(_ seconds: Int) {
        #expect(throws: MSKIAMTokenError.invalidExpiry(seconds)) {
            try MSKIAMTokenSigner(region: "us-east-1", expiresIn: seconds)
        }
    }

    @Test(arguments: ["", "US-EAST-1", "us east 1", "us-east-1/evil", "eu-west-1.example.com"])
    func rejectsMalformedRegions(_ region: String) {
        #expect(throws: MSKIAMTokenError.invalidRegion(region)) {
            try MSKIAMTokenSigner(region: region)
        }
    }

    @Test func errorsAndTokensNeverShowSecrets() throws {
        let credentials = AWSCredentials(accessKeyID: "ASIAEXAMPLE", secretAccessKey: "the-secret-key", sessionToken: "the-session-token")
        let token = try MSKIAMTokenSigner(region: "us-east-1").token(for: credentials, at: signingTime)
        let texts = [token.description, String(reflecting: token), MSKIAMTokenError.credentialsExpired(accessKeyID: "ASIAEXAMPLE").description]
        for text in texts {
            #expect(!text.contains("the-secret-key"))
            #expect(!text.contains("the-session-token"))
            #expect(!text.contains(token.value))
        }
    }

    @Test func providerSignsWithTheSourcesCredentialsAtTheClocksTime() async throws {
        struct FixedSource: AWSCredentialProvider {
            let name = "fixed"
            func credentials() async throws -> AWSCredentials {
                AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
            }
        }
        struct FrozenClock: WallClock {
            let instant: Date
            func now() -> Date { instant }
            func sleep(until deadline: Date) async throws {}
        }
        let vector = try #require(try MSKIAMTokenVectorTests.vectors().first)
        let provider = try MSKIAMTokenProvider(region: "us-east-1", credentials: FixedSource(), clock: FrozenClock(instant: Date(timeIntervalSince1970: 1_795_338_159)), userAgent: "aws-msk-iam-sasl-signer-python/1.0.2")
        let token = try await provider.token()
        #expect(token.value == vector.token)
    }
}
