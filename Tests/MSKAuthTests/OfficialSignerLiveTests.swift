import AWSAuth
import Foundation
import TestSupport
import Testing
@testable import MSKAuth

/// Fresh random inputs, signed by us and by AWS's official Python signer (clock frozen) in the
/// same run. In CI the official signer must be installed; elsewhere the test says why it skips.
@Suite struct OfficialSignerLiveTests {
    struct Case: Codable {
        let region: String
        let access_key_id: String
        let secret_access_key: String
        let session_token: String?
        let signing_time: String
    }

    struct Answer: Codable {
        let token: String
        let expiration_ms: Int64
    }

    static var referenceAvailable: Bool {
        (try? PythonReference.run(script: PackagePaths.scripts.appendingPathComponent("msk_token_reference.py"), input: Data("[]".utf8))) != nil
    }

    static func randomString(_ alphabet: String, length: ClosedRange<Int>, using generator: inout some RandomNumberGenerator) -> String {
        let characters = Array(alphabet)
        return String((0..<Int.random(in: length, using: &generator)).map { _ in characters.randomElement(using: &generator) ?? "a" })
    }

    @Test(.enabled(if: referenceAvailable || ProcessInfo.processInfo.environment["CI"] != nil, "python3 with aws-msk-iam-sasl-signer-python is not installed (run ./scripts/bootstrap.sh)"))
    func randomInputsMatchTheOfficialSigner() throws {
        var generator = SystemRandomNumberGenerator()
        let regions = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2", "sa-east-1", "us-gov-west-1", "il-central-1"]
        let keyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        let secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+=-_.~%!*'() "
        let formatter = ISO8601DateFormatter()
        let cases: [Case] = (0..<40).map { index in
            let signingTime = Date(timeIntervalSince1970: Double(Int.random(in: 1_600_000_000...2_000_000_000, using: &generator)))
            return Case(
                region: regions.randomElement(using: &generator) ?? "us-east-1",
                access_key_id: (index.isMultiple(of: 2) ? "ASIA" : "AKIA") + Self.randomString(keyAlphabet, length: 16...16, using: &generator),
                secret_access_key: Self.randomString(secretAlphabet, length: 20...48, using: &generator),
                session_token: index.isMultiple(of: 2) ? Self.randomString(secretAlphabet, length: 40...400, using: &generator) : nil,
                signing_time: formatter.string(from: signingTime)
            )
        }
        let output = try PythonReference.run(script: PackagePaths.scripts.appendingPathComponent("msk_token_reference.py"), input: JSONEncoder().encode(cases))
        let answers = try JSONDecoder().decode([Answer].self, from: output)
        try #require(answers.count == cases.count)
        for (input, official) in zip(cases, answers) {
            let credentials = AWSCredentials(accessKeyID: input.access_key_id, secretAccessKey: input.secret_access_key, sessionToken: input.session_token)
            let date = try #require(formatter.date(from: input.signing_time))
            let ours = try MSKIAMTokenSigner(region: input.region, userAgent: "aws-msk-iam-sasl-signer-python/1.0.2").token(for: credentials, at: date)
            #expect(ours.value == official.token, "region \(input.region), key \(input.access_key_id)")
            #expect(ours.lifetimeMs == official.expiration_ms)
        }
    }
}
