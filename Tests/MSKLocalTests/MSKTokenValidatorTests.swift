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
        let url = String(decoding: try #require(Base64URL.decode(good)), as: UTF8.self)
        let tampered = url.replacingOccurrences(of: "X-Amz-Expires=900", with: "X-Amz-Expires=899")
        guard case .failure(let rejection) = validate(Base64URL.encodeWithoutPadding(tampered.utf8)) else {
            Issue.record("accepted a tampered token")
            return
        }
        #expect(rejection.reasonCode == "signature_mismatch")
        #expect(!rejection.description.contains(Self.source.secretAccessKey))
    }

    /// A good token's URL with `replace` applied (the check it trips comes before the signature's).
    func altered(_ replace: (String) -> String) throws -> String {
        let url = String(decoding: try #require(Base64URL.decode(try token())), as: UTF8.self)
        let changed = replace(url)
        #expect(changed != url, "the alteration changed nothing")
        return Base64URL.encodeWithoutPadding(changed.utf8)
    }

    @Test func refusesEachAlteredPartForItsOwnReason() throws {
        func replacing(_ old: String, _ new: String) -> (String) -> String { { $0.replacingOccurrences(of: old, with: new) } }
        let cases: [(String, (String) -> String)] = [
            ("wrong_action", replacing("Action=kafka-cluster%3AConnect", "Action=kafka-cluster%3AWriteData")),
            ("wrong_algorithm", replacing("X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-HMAC-SHA1")),
            ("malformed_credential", replacing("%2Faws4_request", "%2Faws5_request")),
            ("wrong_region", replacing("%2Fus-east-1%2F", "%2Feu-west-1%2F")),
            ("wrong_service", replacing("%2Fkafka-cluster%2F", "%2Fs3%2F")),
            ("date_mismatch", { url in
                // The scope's date one day off X-Amz-Date's.
                let scopeDate = (url.components(separatedBy: "X-Amz-Date=").last ?? "").prefix(8)
                return url.replacingOccurrences(of: "%2F\(scopeDate)%2F", with: "%2F19990101%2F")
            }),
            ("malformed_date", replacing("X-Amz-Date=2026", "X-Amz-Date=26")),
            ("expires_too_long", replacing("X-Amz-Expires=900", "X-Amz-Expires=901")),
            ("wrong_signed_headers", replacing("X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=host%3Bx-amz-date")),
        ]
        for (reason, alteration) in cases {
            switch validate(try altered(alteration)) {
            case .success: Issue.record("accepted a token that should fail with \(reason)")
            case .failure(let rejection): #expect(rejection.reasonCode == reason, "\(reason): \(rejection)")
            }
        }
    }

    @Test func theClockSkewBoundaryIsExact() throws {
        // Signed exactly the allowed skew (300 s) ahead of the validator's clock: accepted; a
        // second more: refused as signed in the future.
        #expect((try? validate(try token(at: now.addingTimeInterval(300))).get()) != nil)
        guard case .failure(let rejection) = validate(try token(at: now.addingTimeInterval(301))) else {
            Issue.record("accepted a token signed 301 s in the future")
            return
        }
        #expect(rejection.reasonCode == "signed_in_future")
        // And at the other end: a 900-s token opens a session while at least the minimum (2 s)
        // is left, is "too short" in its last 2 s, and expired after.
        #expect((try? validate(try token(at: now.addingTimeInterval(-898))).get()) != nil)
        let ending = [-899.0, -900].map { validate((try? token(at: now.addingTimeInterval($0))) ?? "") }
        guard case .failure(let short) = ending[0], case .failure(let late) = ending[1] else {
            Issue.record("accepted a token in or after its last 2 s: \(ending)")
            return
        }
        #expect(short.reasonCode == "session_too_short")
        #expect(late.reasonCode == "expired")
    }

    /// MSK refuses a token whose credentials end within seconds ("Session too short"), so a
    /// client re-signing with credentials about to expire learns it at once rather than holding
    /// a session that ends before its first request.
    @Test func credentialsEndingWithinTheMinimumGiveSessionTooShort() throws {
        let issued = registry.issue(principal: "arn:aws:sts::111122223333:assumed-role/r/s", lifetime: 120, now: now)
        let signed = try token(issued.credentials, at: now)
        #expect((try? validate(signed, at: now.addingTimeInterval(118)).get()) != nil, "2 s left: enough")
        guard case .failure(let rejection) = validate(signed, at: now.addingTimeInterval(118.5)) else {
            Issue.record("accepted a session of 1.5 s")
            return
        }
        #expect(rejection.reasonCode == "session_too_short")
        #expect(rejection.description == "Session too short: the token or the credentials that signed it end in 1500 ms")
        // The minimum is the validator's: 0 accepts any session that has not ended.
        let lenient = MSKTokenValidator(region: "us-east-1", minimumSessionLifetime: 0, registry: registry)
        #expect((try? lenient.validate(token: signed, now: now.addingTimeInterval(119.9)).get()) != nil)
    }
}
