import Foundation
import TestSupport
import Testing
@testable import AWSAuth

/// Our SigV4 against botocore's, on a table of awkward requests, with the clock frozen.
@Suite struct SigV4BotocoreTests {
    struct Case: Codable {
        var mode: String
        var method: String
        var url: String
        var headers: [String: String]
        var body: String
        var region: String
        var service: String
        var access_key_id: String
        var secret_access_key: String
        var session_token: String?
        var time: String
        var expires: Int
    }

    struct Answer: Codable {
        var authorization: String?
        var url: String?
    }

    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

    static func table() -> [Case] {
        func make(_ mode: String, _ method: String, _ url: String, headers: [String: String] = [:], body: String = "", token: String? = nil, service: String = "sts", region: String = "us-east-1") -> Case {
            Case(mode: mode, method: method, url: url, headers: headers, body: body, region: region, service: service,
                 access_key_id: "AKIDEXAMPLE", secret_access_key: secret, session_token: token, time: "2026-11-22T09:02:39Z", expires: 900)
        }
        let form = ["Content-Type": "application/x-www-form-urlencoded; charset=utf-8"]
        return [
            make("headers", "GET", "https://example.amazonaws.com/"),
            make("headers", "GET", "https://example.amazonaws.com/?b=2&a=1&c=3"),
            make("headers", "GET", "https://example.amazonaws.com/?a=2&a=1"),
            make("headers", "GET", "https://example.amazonaws.com/?empty=&flag"),
            make("headers", "GET", "https://example.amazonaws.com/?space=a%20b&tilde=~x&slash=a%2Fb&eq=a%3Db&plus=a%2Bb"),
            make("headers", "GET", "https://example.amazonaws.com/?utf8=%C3%A9%E2%82%AC%F0%9F%98%80"),
            make("headers", "GET", "https://example.amazonaws.com/path/with%20space/and-%C3%BCnicode/"),
            make("headers", "GET", "https://example.amazonaws.com/a/./b/../c"),
            make("headers", "POST", "https://sts.eu-west-1.amazonaws.com/", headers: form,
                 body: "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr&RoleSessionName=s", region: "eu-west-1"),
            make("headers", "POST", "https://sts.us-east-1.amazonaws.com/", headers: form, body: "Action=GetCallerIdentity&Version=2011-06-15",
                 token: "FwoGZXIvYXdzEJr//////////wEaDK+token/with+slashes=="),
            make("headers", "GET", "https://example.amazonaws.com/", headers: ["X-Custom": "  spaced   out  value ", "My-Header": "a"]),
            make("headers", "PUT", "http://127.0.0.1:8080/upload?x=1", headers: ["Content-Type": "text/plain"], body: "hello, wörld"),
            make("presign", "GET", "https://kafka.us-east-1.amazonaws.com/?Action=kafka-cluster%3AConnect", service: "kafka-cluster"),
            make("presign", "GET", "https://kafka.eu-west-1.amazonaws.com/?Action=kafka-cluster%3AConnect", token: "FwoGZXIvYXdzEJr//////////wEaDK+token/with+slashes==", service: "kafka-cluster", region: "eu-west-1"),
            make("presign", "GET", "https://example.amazonaws.com/some/path?z=last&a=first&sp=a%20b", service: "execute-api"),
            make("presign", "GET", "https://example.amazonaws.com/"),
        ]
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["CI"] != nil || (try? PythonReference.run(script: PackagePaths.scripts.appendingPathComponent("sigv4_reference.py"), input: Data("[]".utf8))) != nil, "python3 with botocore is not installed (run ./scripts/bootstrap.sh)"))
    func matchesBotocore() throws {
        let cases = Self.table()
        let output = try PythonReference.run(script: PackagePaths.scripts.appendingPathComponent("sigv4_reference.py"), input: JSONEncoder().encode(cases))
        let answers = try JSONDecoder().decode([Answer].self, from: output)
        try #require(answers.count == cases.count)
        let date = try #require(ISO8601DateFormatter().date(from: "2026-11-22T09:02:39Z"))
        for (input, expected) in zip(cases, answers) {
            let credentials = AWSCredentials(accessKeyID: input.access_key_id, secretAccessKey: input.secret_access_key, sessionToken: input.session_token)
            let signer = SigV4Signer(credentials: credentials, region: input.region, service: input.service)
            let url = try #require(URL(string: input.url))
            if input.mode == "headers" {
                let request = HTTPRequest(method: input.method, url: url, headers: input.headers, body: Data(input.body.utf8))
                let signed = signer.signHeaders(request, date: date)
                #expect(signed.headers["Authorization"] == expected.authorization, "\(input.method) \(input.url)")
                #expect(signed.headers["X-Amz-Date"] == "20261122T090239Z")
                #expect(signed.headers["X-Amz-Security-Token"] == input.session_token)
            } else {
                let presigned = signer.presign(url: url, method: input.method, expires: input.expires, date: date)
                #expect(presigned.absoluteString == expected.url, "\(input.url)")
            }
        }
    }
}
