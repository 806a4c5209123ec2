import AWSAuth
import Foundation
import TestSupport
import Testing
@testable import MSKAuth

/// Our tokens against the reference outputs of AWS's official Python signer.
@Suite struct MSKIAMTokenVectorTests {
    struct Vector: Decodable {
        let region: String
        let access_key_id: String
        let secret_access_key: String
        let session_token: String?
        let signing_time: String
        let expiration_ms: Int64
        let url: String
        let token: String
    }

    static func vectors() throws -> [Vector] {
        try JSONDecoder().decode([Vector].self, from: Data(contentsOf: PackagePaths.vector("msk-iam-token.json")))
    }

    /// Removes the unsigned `User-Agent` parameter, the one part allowed to differ.
    static func withoutUserAgent(_ url: String) -> String {
        guard let range = url.range(of: "&User-Agent=") else { return url }
        return String(url[..<range.lowerBound])
    }

    static func decodeToken(_ token: String) -> String? {
        Base64URL.decode(token).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func matchesTheOfficialSignerByteForByte() throws {
        let vectors = try Self.vectors()
        #expect(vectors.count >= 2)
        for vector in vectors {
            let credentials = AWSCredentials(accessKeyID: vector.access_key_id, secretAccessKey: vector.secret_access_key, sessionToken: vector.session_token)
            let date = try #require(ISO8601DateFormatter().date(from: vector.signing_time))
            let token = try MSKIAMTokenSigner(region: vector.region).token(for: credentials, at: date)
            let ourURL = try #require(Self.decodeToken(token.value))
            #expect(Self.withoutUserAgent(ourURL) == Self.withoutUserAgent(vector.url))
            #expect(token.lifetimeMs == vector.expiration_ms)
            #expect(!token.value.contains("="))
            // With the official User-Agent, the whole token is identical.
            let official = try MSKIAMTokenSigner(region: vector.region, userAgent: "aws-msk-iam-sasl-signer-python/1.0.2").token(for: credentials, at: date)
            #expect(official.value == vector.token)
        }
    }

    @Test func appendsOurUserAgentAfterTheSignature() throws {
        let vector = try #require(try Self.vectors().first)
        let credentials = AWSCredentials(accessKeyID: vector.access_key_id, secretAccessKey: vector.secret_access_key)
        let token = try MSKIAMTokenSigner(region: vector.region).token(for: credentials, at: Date(timeIntervalSince1970: 1_795_338_159))
        let url = try #require(Self.decodeToken(token.value))
        #expect(url.hasSuffix("&User-Agent=swift-msk-kafka%2F0.1.0"))
        #expect(url.hasPrefix("https://kafka.us-east-1.amazonaws.com/?Action=kafka-cluster%3AConnect&X-Amz-Algorithm=AWS4-HMAC-SHA256&"))
    }
}
