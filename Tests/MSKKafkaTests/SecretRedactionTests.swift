import AWSAuth
import Foundation
import MSKAuth
import MSKKafka
import Testing
import TestSupport

/// No password or MSK token shows through `print`, interpolation, `dump` or `Mirror` of a
/// configuration, an authentication or a token.
struct KafkaSecretRedactionTests {
    static func expectNoSecret(_ value: Any, _ secret: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for text in everyRendering(of: value) {
            #expect(!text.contains(secret), "the secret shows in: \(text.prefix(300))", sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: [KafkaAuthentication.plain(username: "svc", password: "hunter2-SECRET"),
                      .scramSHA256(username: "svc", password: "hunter2-SECRET"), .scramSHA512(username: "svc", password: "hunter2-SECRET")])
    func configurationsWithPasswordsShowNone(authentication: KafkaAuthentication) {
        Self.expectNoSecret(authentication, "hunter2-SECRET")
        Self.expectNoSecret(KafkaProducerConfiguration(connection: KafkaConnectionConfiguration(bootstrapServers: ["127.0.0.1:9092"], authentication: authentication)), "hunter2-SECRET")
        Self.expectNoSecret(KafkaConsumerConfiguration(connection: KafkaConnectionConfiguration(bootstrapServers: ["127.0.0.1:9092"], authentication: authentication), groupID: "g"), "hunter2-SECRET")
        #expect("\(authentication)".contains("svc"))
    }

    @Test func aTokenShowsItsPrincipalButNotItsValue() throws {
        let credentials = AWSCredentials(accessKeyID: "AKIAREDACTION000001", secretAccessKey: "secret-key-SECRET", sessionToken: nil)
        let token = try MSKIAMTokenSigner(region: "eu-west-1").token(for: credentials, at: Date())
        Self.expectNoSecret(token, token.value)
        Self.expectNoSecret(token, "secret-key-SECRET")
        #expect("\(token)".contains(token.principal))
    }

    @Test func anOAuthBearerTokenShowsNeitherItsValueNorItsExtensionValues() throws {
        let credentials = AWSCredentials(accessKeyID: "AKIAREDACTION000001", secretAccessKey: "secret-key-SECRET", sessionToken: nil)
        let token = OAuthBearerToken(try MSKIAMTokenSigner(region: "eu-west-1").token(for: credentials, at: Date()))
        Self.expectNoSecret(token, token.value)
        let opaque = OAuthBearerToken(value: "opaque-SECRET", lifetimeMs: 1_800_000_000_000, principalName: "svc", extensions: ["traceid": "extension-SECRET"])
        Self.expectNoSecret(opaque, "opaque-SECRET")
        Self.expectNoSecret(opaque, "extension-SECRET")
        Self.expectNoSecret(OAuthBearerTokenSource(token: { opaque }), "opaque-SECRET")
        #expect("\(opaque)".contains("svc") && "\(opaque)".contains("traceid"))
    }
}
