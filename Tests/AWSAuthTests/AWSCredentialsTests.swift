import Foundation
import Testing
@testable import AWSAuth

@Suite struct AWSCredentialsTests {
    @Test func descriptionNeverShowsSecrets() {
        let creds = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "topsecretvalue", sessionToken: "sessiontokenvalue", expiration: Date(timeIntervalSince1970: 1_800_000_000))
        for text in [creds.description, creds.debugDescription, "\(creds)", String(reflecting: creds)] {
            #expect(text.contains("AKIDEXAMPLE"))
            #expect(!text.contains("topsecretvalue"))
            #expect(!text.contains("sessiontokenvalue"))
        }
    }

    @Test func validityHonoursMargin() {
        let now = Date(timeIntervalSince1970: 1_000)
        let creds = AWSCredentials(accessKeyID: "A", secretAccessKey: "S", expiration: now.addingTimeInterval(60))
        #expect(creds.isValid(at: now))
        #expect(!creds.isValid(at: now, margin: 60))
        #expect(AWSCredentials(accessKeyID: "A", secretAccessKey: "S").isValid(at: .distantFuture))
    }
}
