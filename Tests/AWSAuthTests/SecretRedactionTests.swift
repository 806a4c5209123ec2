import AWSAuth
import Foundation
import Testing
import TestSupport

/// No secret key, session token or authorization token shows through `print`, interpolation,
/// `dump` or `Mirror` of any AWSAuth type that holds one.
struct SecretRedactionTests {
    static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY1"
    static let sessionToken = "IQoJb3JpZ2luX2VjSESSIONTOKENSECRET"
    static let credentials = AWSCredentials(accessKeyID: "ASIAREDACTIONTEST01", secretAccessKey: secret, sessionToken: sessionToken,
                                            expiration: Date(timeIntervalSince1970: 2_000_000_000))

    static func expectNoSecret(_ value: Any, _ secrets: [String] = [secret, sessionToken], sourceLocation: SourceLocation = #_sourceLocation) {
        for text in everyRendering(of: value) {
            for secret in secrets {
                #expect(!text.contains(secret), "a secret shows in: \(text.prefix(300))", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func credentialsShowTheirKeyIDButNoSecret() {
        Self.expectNoSecret(Self.credentials)
        #expect(everyRendering(of: Self.credentials).allSatisfy { $0.contains("ASIAREDACTIONTEST01") })
    }

    @Test func aSignerAfterSigningShowsNoSecretNorDerivedKey() throws {
        let signer = SigV4Signer(credentials: Self.credentials, region: "eu-west-1", service: "kafka-cluster")
        _ = signer.presign(url: try #require(URL(string: "https://kafka.eu-west-1.amazonaws.com/?Action=kafka-cluster%3AConnect")), method: "GET", expires: 900, date: Date())
        Self.expectNoSecret(signer)
        Self.expectNoSecret([signer])  // nested in a collection, too
    }

    @Test func providersAndTheCacheShowNoSecret() async throws {
        let source = StaticCredentialProvider(Self.credentials)
        Self.expectNoSecret(source)
        let cache = try RefreshingCredentialCache(provider: source)
        _ = try await cache.credentials()
        Self.expectNoSecret(cache)
        Self.expectNoSecret(try cache.currentCredentials())
        // Never contacted: only its renderings are checked.
        let container = ContainerCredentialProvider(url: try #require(URL(string: "http://127.0.0.1:1/creds")), authorizationToken: "container-authorization-SECRET")
        Self.expectNoSecret(container, ["container-authorization-SECRET"])
    }
}
