import AWSAuth
import Foundation
import MSKAuth
import MSKLocal
import Testing
import TestSupport

/// The control API over HTTP, each endpoint by its effect on what a client sees: a skewed clock
/// refuses a fresh token, a delay holds the SaslAuthenticate answer, a topic appears in the
/// metadata, events are listed from a time on, and connections are dropped. Plus STS's
/// `DurationSeconds` bounds, with `minimumDurationSeconds` lowered.
@Suite(.timeLimit(.minutes(1)))
struct ControlAPITests {
    /// SaslHandshake v1 then SaslAuthenticate v1 with `token` on a raw connection: the error code
    /// and message of the answer, or `nil` when the gateway answered nothing.
    static func authenticate(port: Int, token: String) throws -> (error: Int16, message: String)? {
        try authenticate(on: try RawTCPConnection(port: port), token: token)
    }

    /// The same on a connection the caller keeps (to see what happens to it afterwards).
    static func authenticate(on connection: RawTCPConnection, token: String) throws -> (error: Int16, message: String)? {
        func int16(_ value: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)] }
        func int32(_ value: Int) -> [UInt8] { int16(value >> 16) + int16(value) }
        func frame(apiKey: Int, correlationID: Int, body: [UInt8]) -> [UInt8] {
            let payload = int16(apiKey) + int16(1) + int32(correlationID) + int16(3) + Array("raw".utf8) + body
            return int32(payload.count) + payload
        }
        connection.send(frame(apiKey: 17, correlationID: 1, body: int16(11) + Array("OAUTHBEARER".utf8)))
        guard let handshake = connection.readKafkaFrame(within: .seconds(10)), handshake.count >= 6, handshake[4...5] == [0, 0] else { return nil }
        let initial = Array("n,,\u{1}auth=Bearer \(token)\u{1}\u{1}".utf8)
        connection.send(frame(apiKey: 36, correlationID: 2, body: int32(initial.count) + initial))
        guard let answer = connection.readKafkaFrame(within: .seconds(10)), answer.count >= 8 else { return nil }
        let error = Int16(bitPattern: UInt16(answer[4]) << 8 | UInt16(answer[5]))
        let length = Int(Int16(bitPattern: UInt16(answer[6]) << 8 | UInt16(answer[7])))
        let message = length > 0 && answer.count >= 8 + length ? String(decoding: answer[8..<(8 + length)], as: UTF8.self) : ""
        return (error, message)
    }

    static func port(_ local: MSKLocalServer) throws -> Int {
        let port = local.endpoints.bootstrapServers.split(separator: ",")[0].split(separator: ":").last.flatMap { Int($0) }
        return try #require(port)
    }

    static func freshToken(_ local: MSKLocalServer) throws -> String {
        let source = AWSCredentials(accessKeyID: local.endpoints.accessKeyID, secretAccessKey: local.endpoints.secretAccessKey)
        return try MSKIAMTokenSigner(region: local.endpoints.region).token(for: source, at: Date()).value
    }

    @Test func clockSkewAndAuthenticationDelayChangeWhatAClientSees() async throws {
        let local = try await MSKLocalFixture.start(brokers: 1)
        let port = try Self.port(local)
        #expect(try Self.authenticate(port: port, token: try Self.freshToken(local))?.error == 0)

        // msk-local's clock 1,000 s ahead: a fresh 900-s token has expired for it.
        #expect(try await MSKLocalFixture.controlPOST(local, "clock-skew?seconds=1000") == 200)
        let skewed = try #require(try Self.authenticate(port: port, token: try Self.freshToken(local)))
        #expect(skewed.error == 58 && skewed.message.contains("expired"), "\(skewed)")
        #expect(try await MSKLocalFixture.controlPOST(local, "clock-skew?seconds=0") == 200)

        #expect(try await MSKLocalFixture.controlPOST(local, "auth-delay?ms=1500") == 200)
        let started = ContinuousClock.now
        #expect(try Self.authenticate(port: port, token: try Self.freshToken(local))?.error == 0)
        #expect(ContinuousClock.now - started >= .milliseconds(1500), "the answer did not wait for the delay")

        let kinds = local.events.events().map(\.kind)
        #expect(kinds == ["clock_skew", "clock_skew", "auth_delay"], "\(kinds)")
        await local.shutdown()
    }

    @Test func topicsEventsSinceAndDroppedConnectionsOverHTTP() async throws {
        let local = try await MSKLocalFixture.start(brokers: 1)
        #expect(try await MSKLocalFixture.controlPOST(local, "topics?name=made-by-control&partitions=4") == 200)
        #expect(try await Kcat.metadataTopics(bootstrap: local.endpoints.rawBootstrapServers).contains("made-by-control:4"))

        let connection = try RawTCPConnection(port: try Self.port(local))
        let accepted = ContinuousClock.now + .seconds(5)
        while local.counters.snapshot.connectionsOpen < 1, ContinuousClock.now < accepted { try await Task.sleep(for: .milliseconds(10)) }
        let beforeDrop = Int64(Date().timeIntervalSince1970 * 1000)
        let response = try await URLSessionHTTPTransport().send(HTTPRequest(method: "POST", url: try MSKLocalFixture.url(local.endpoints.controlURL + "/drop-connections")))
        #expect(response.status == 200)
        #expect((try JSONSerialization.jsonObject(with: response.body) as? [String: Int])?["dropped"] == 1)
        #expect(connection.closedByPeer(within: .seconds(5)))

        // Events from a time on: the drop, and nothing from before it.
        let since = try await URLSessionHTTPTransport().send(HTTPRequest(method: "GET", url: try MSKLocalFixture.url(local.endpoints.controlURL + "/events?since=\(beforeDrop)")))
        let events = try JSONDecoder().decode([MSKLocalEvent].self, from: since.body)
        #expect(events.map(\.kind) == ["drop_connections"], "\(events)")
        #expect(try await MSKLocalFixture.controlPOST(local, "topics?name=bad%20name") == 400)
        await local.shutdown()
    }

    @Test func stsDurationSecondsBoundsAndALoweredMinimum() async throws {
        var configuration = MSKLocalConfiguration()
        configuration.brokers = 1
        configuration.minimumDurationSeconds = 60
        configuration.logger = MSKLocalFixture.quiet
        let local = try await MSKLocalServer.start(configuration)
        // Signed by hand: AWSAuth's provider itself refuses durations outside AWS's range.
        let signer = SigV4Signer(credentials: AWSCredentials(accessKeyID: local.endpoints.accessKeyID, secretAccessKey: local.endpoints.secretAccessKey),
                                 region: "us-east-1", service: "sts")
        func assume(duration: Int) async throws -> (status: Int, body: String) {
            let role = try #require(local.endpoints.roleARNs[0].addingPercentEncoding(withAllowedCharacters: .alphanumerics))
            let form = "Action=AssumeRole&Version=2011-06-15&RoleArn=\(role)&RoleSessionName=durations&DurationSeconds=\(duration)"
            let request = HTTPRequest(method: "POST", url: try MSKLocalFixture.url(local.endpoints.stsURL),
                                      headers: ["content-type": "application/x-www-form-urlencoded; charset=utf-8"], body: Data(form.utf8), timeout: .seconds(10))
            let response = try await URLSessionHTTPTransport().send(signer.signHeaders(request, date: Date()))
            return (response.status, String(decoding: response.body, as: UTF8.self))
        }
        let short = try await assume(duration: 60)
        #expect(short.status == 200 && short.body.contains("<AccessKeyId>"), "\(short)")
        for bad in [59, 43_201] {
            let refused = try await assume(duration: bad)
            #expect(refused.status == 400 && refused.body.contains("<Code>ValidationError</Code>"), "\(bad): \(refused)")
        }
        await local.shutdown()
    }

    /// As Kafka's socket server does (KIP-368): a session ends when its credentials expire, and
    /// the connection is closed at the next request after that — not on a timer: an idle
    /// connection stays open.
    @Test func aSessionEndsWhenItsCredentialsExpireAndTheNextRequestClosesTheConnection() async throws {
        let local = try await MSKLocalFixture.start(brokers: 1)
        // Credentials that expire 4 s from now sign a 900-s token: the session lasts 4 s.
        let issued = local.registry.issue(principal: "arn:aws:sts::111122223333:assumed-role/r/short", lifetime: 4, now: Date())
        let token = try MSKIAMTokenSigner(region: local.endpoints.region).token(for: issued.credentials, at: Date()).value
        let connection = try RawTCPConnection(port: try Self.port(local))
        #expect(try Self.authenticate(on: connection, token: token)?.error == 0)
        let expiration = try #require(issued.credentials.expiration)
        // Within the session a request is answered.
        #expect(connection.send(GatewayAPIVersionsTests.request(version: 0, correlationID: 1)))
        #expect(connection.readKafkaFrame(within: .seconds(5)) != nil, "a request within the session")
        // Past its end, an idle connection stays open...
        while expiration.timeIntervalSinceNow > -1 { try await Task.sleep(for: .milliseconds(100)) }
        #expect(!connection.closedByPeer(within: .seconds(2)), "closed on a timer, not at the next request")
        #expect(local.counters.snapshot.sessionsExpired == 0)
        // ...and the next request closes it, unanswered.
        #expect(connection.send(GatewayAPIVersionsTests.request(version: 0, correlationID: 2)))
        #expect(connection.readKafkaFrame(within: .seconds(5)) == nil, "a request after the session's end was answered")
        #expect(connection.closedByPeer(within: .seconds(5)))
        #expect(local.counters.snapshot.sessionsExpired == 1)
        await local.shutdown()
    }
}
