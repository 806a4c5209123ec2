import NIOCore
import Testing
@testable import MSKLocal

/// The group protocol table the gateway keeps so that librdkafka 2.0.2's mock never sees
/// members that disagree (`GatewayGroupProtocols`): what it forwards, reorders and refuses,
/// and when a group may choose again. (`hostile_inputs.py`'s kafka_group_protocols runs the
/// same through a real gateway and mock.)
struct GatewayGroupProtocolsTests {
    static func join(_ protocols: [String], group: String = "g", type: String = "consumer", sessionMs: Int32 = 6_000, version: Int16 = 1) throws -> KafkaJoinGroupRequest {
        var body = ByteBuffer()
        body.writeKafkaString(group)
        body.writeInteger(sessionMs)
        if version >= 1 { body.writeInteger(Int32(10_000)) }
        body.writeKafkaString("")
        if version >= 5 { body.writeKafkaString(nil) }
        body.writeKafkaString(type)
        body.writeInteger(Int32(protocols.count))
        for name in protocols {
            body.writeKafkaString(name)
            body.writeInteger(Int32(2))
            body.writeBytes([0, UInt8(name.count)])
        }
        try KafkaRequestCheck.check(apiKey: KafkaAPI.joinGroup, version: version, body: body)
        return try KafkaJoinGroupRequest(version: version, body: body)
    }

    @Test func laterMembersFollowTheFirstMembersProtocolOrAreRefused() throws {
        let table = GatewayGroupProtocols()
        let start = ContinuousClock.now
        #expect(table.decide(try Self.join(["range", "roundrobin"]), now: start) == .forward)
        #expect(table.decide(try Self.join(["roundrobin", "range"]), now: start) == .preferring(1))
        guard case .refuse(23, _) = table.decide(try Self.join(["roundrobin"]), now: start) else { Issue.record("no common protocol"); return }
        guard case .refuse(23, _) = table.decide(try Self.join(["range"], type: "connect"), now: start) else { Issue.record("another type"); return }
        guard case .refuse(23, _) = table.decide(try Self.join([]), now: start) else { Issue.record("no protocol"); return }
        #expect(table.decide(try Self.join(["roundrobin"], group: "other"), now: start) == .forward, "groups are independent")
        // Heartbeats keep it; silence past the session timeout (+ margin) lets it choose again.
        table.touch("g", now: start + .seconds(8))
        guard case .refuse = table.decide(try Self.join(["roundrobin"]), now: start + .seconds(16)) else { Issue.record("still alive"); return }
        #expect(table.decide(try Self.join(["roundrobin"]), now: start + .seconds(26)) == .forward, "every member gone: a new choice")
    }

    @Test func theReorderedRequestCarriesEveryProtocolAndItsMetadata() throws {
        for version: Int16 in [0, 1, 5] {
            let request = try Self.join(["a", "bb", "ccc"], version: version)
            let body = request.body(preferring: 2, allocator: ByteBufferAllocator())
            try KafkaRequestCheck.check(apiKey: KafkaAPI.joinGroup, version: version, body: body)
            let again = try KafkaJoinGroupRequest(version: version, body: body)
            #expect(again.protocols.map(\.name) == ["ccc", "a", "bb"])
            #expect(again.group == "g" && again.protocolType == "consumer" && again.sessionTimeoutMs == 6_000)
            #expect(again.protocols.map { Array($0.entry.readableBytesView.suffix(2)) } == [[0, 3], [0, 1], [0, 2]], "metadata kept with its name")
        }
    }

    @Test func theTableIsBounded() throws {
        let table = GatewayGroupProtocols()
        let start = ContinuousClock.now
        for index in 0..<GatewayGroupProtocols.maximumGroups {
            _ = table.decide(try Self.join(["range"], group: "g\(index)"), now: start)
        }
        guard case .refuse(15, _) = table.decide(try Self.join(["range"], group: "one-more"), now: start) else { Issue.record("full"); return }
        #expect(table.decide(try Self.join(["range"], group: "one-more"), now: start + .seconds(60)) == .forward, "forgotten groups make room")
        #expect(table.count == 1)
    }
}
