import AWSAuth
import Foundation
@testable import MSKAuth
import MSKLocal
import Testing

/// Tokens minted by MSKAuth's signer, checked by msk-local's validator: good ones pass with the
/// right principal and session end, every kind of bad one is refused for its own reason.
struct MSKTokenValidatorTests {
    static let source = AWSCredentials(accessKeyID: "AKIAVALIDATORTEST001", secretAccessKey: "validator/secret/key/for/tests/only/0000")
    let registry = CredentialRegistry(source: MSKTokenValidatorTests.source)
    let now = Date(timeIntervalSince1970: 1_795_370_000)

    func token(_ credentials: AWSCredentials = source, region: String = "us-east-1", expiresIn: Int = 900, at date: Date? = nil) throws -> String {
        try MSKIAMTokenSigner(region: region, expiresIn: expiresIn).token(for: credentials, at: date ?? now).value
    }

    func validate(_ token: String, at date: Date? = nil) -> Result<AuthenticatedSession, MSKTokenRejection> {
        MSKTokenValidator(region: "us-east-1", registry: registry).validate(token: token, now: date ?? now)
    }

    @Test func acceptsAGoodTokenWithTheKeysPrincipalAndTheTokensEnd() throws {
        let session = try validate(try token()).get()
        #expect(session.principal == "arn:aws:iam::111122223333:user/msk-local")
        #expect(session.sessionEnd == now.addingTimeInterval(900))
    }

    @Test func aSessionEndsWhenTheTemporaryCredentialsDo() throws {
        let issued = registry.issue(principal: "arn:aws:sts::111122223333:assumed-role/r/s", lifetime: 120, now: now)
        let session = try validate(try token(issued.credentials)).get()
        #expect(session.principal == "arn:aws:sts::111122223333:assumed-role/r/s")
        #expect(session.sessionEnd == issued.credentials.expiration)
    }

    @Test func refusesEachKindOfBadToken() throws {
        let issued = registry.issue(principal: "arn:aws:sts::111122223333:assumed-role/r/s", lifetime: 120, now: now)
        let wrongSecret = AWSCredentials(accessKeyID: Self.source.accessKeyID, secretAccessKey: "not/the/secret/000000000000000000000000")
        let foreignSessionToken = AWSCredentials(accessKeyID: issued.credentials.accessKeyID, secretAccessKey: issued.credentials.secretAccessKey, sessionToken: "someone-elses-token")
        let unknown = AWSCredentials(accessKeyID: "AKIAUNKNOWNKEY000000", secretAccessKey: "x")
        let cases: [(String, String)] = [
            (try token(wrongSecret), "signature_mismatch"),
            (try token(region: "eu-west-1"), "wrong_host"),
            (try token(foreignSessionToken), "session_token_mismatch"),
            (try token(unknown), "unknown_access_key"),
            (try token(at: now.addingTimeInterval(-901)), "expired"),
            (try token(at: now.addingTimeInterval(600)), "signed_in_future"),
            ("not base64 at all!", "not_base64url"),
            (Base64URL.encodeWithoutPadding("https://kafka.us-east-1.amazonaws.com/?Action=kafka-cluster%3AConnect".utf8), "missing_parameter"),
            (Base64URL.encodeWithoutPadding("https://example.com/?Action=kafka-cluster%3AConnect".utf8), "wrong_host"),
        ]
        for (bad, reason) in cases {
            switch validate(bad) {
            case .success: Issue.record("accepted a token that should fail with \(reason)")
            case .failure(let rejection): #expect(rejection.reasonCode == reason, "\(rejection)")
            }
        }
        // Credentials that expired after the token was signed: the token is refused too.
        let signedBeforeExpiry = try token(issued.credentials, at: now)
        guard case .failure(let rejection) = validate(signedBeforeExpiry, at: now.addingTimeInterval(121)) else {
            Issue.record("accepted a token whose credentials expired")
            return
        }
        #expect(rejection.reasonCode == "credentials_expired")
    }

    @Test func aTamperedTokenFailsTheSignatureCheck() throws {
        let good = try token()
        let url = String(decoding: Base64URL.decode(good)!, as: UTF8.self)
        let tampered = url.replacingOccurrences(of: "X-Amz-Expires=900", with: "X-Amz-Expires=899")
        guard case .failure(let rejection) = validate(Base64URL.encodeWithoutPadding(tampered.utf8)) else {
            Issue.record("accepted a tampered token")
            return
        }
        #expect(rejection.reasonCode == "signature_mismatch")
        #expect(!rejection.description.contains(Self.source.secretAccessKey))
    }
}
