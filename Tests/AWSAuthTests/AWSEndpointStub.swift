import AWSAuth
import Foundation
import TestSupport

/// `Fixtures/aws_endpoint_stub.py` running on loopback: IMDSv2, container and STS endpoints
/// whose behaviour each test scripts.
final class AWSEndpointStub: Sendable {
    struct RecordedRequest: Decodable {
        let method: String
        let path: String
        let headers: [String: String]
        let body: String
    }

    let server: LoopbackServerProcess
    var url: URL { server.baseURL }
    private let transport = URLSessionHTTPTransport()

    init(imds: String = "ok", ecs: String = "ok", sts: String = "ok") async throws {
        server = try await LoopbackServerProcess.start(executable: "python3", arguments: [PackagePaths.fixture("aws_endpoint_stub.py", target: "AWSAuthTests").path])
        try await setModes(["imds": imds, "ecs": ecs, "sts": sts])
    }

    func setModes(_ modes: [String: String]) async throws {
        _ = try await transport.send(HTTPRequest(method: "POST", url: url.appendingPathComponent("__mode"), body: JSONEncoder().encode(modes)))
    }

    func requests() async throws -> [RecordedRequest] {
        let response = try await transport.send(HTTPRequest(method: "GET", url: url.appendingPathComponent("__requests")))
        return try JSONDecoder().decode([RecordedRequest].self, from: response.body)
    }

    deinit { server.stop() }
}
