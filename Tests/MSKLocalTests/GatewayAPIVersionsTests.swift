import Foundation
import MSKLocal
import Testing
import TestSupport

/// The gateway answers ApiVersions itself, at every version in that version's encoding (read
/// back here with a decoder written from Kafka's `ApiVersionsResponse` schema, independent of
/// the gateway's encoder), KIP-511's v0 answer to a version it does not know — and all of it
/// before authentication without a connection to the upstream broker.
@Suite(.timeLimit(.minutes(1)))
struct GatewayAPIVersionsTests {
    struct Answer {
        var errorCode: Int16 = 0
        var ranges: [Int16: ClosedRange<Int16>] = [:]
        var throttleTimeMs: Int32?
    }

    /// A strict reader: every field must be there, and nothing may be left over.
    struct Reader {
        var bytes: ArraySlice<UInt8>
        mutating func int16() throws -> Int16 { Int16(bitPattern: UInt16(try take(2).reduce(0) { $0 << 8 | UInt16($1) })) }
        mutating func int32() throws -> Int32 { Int32(bitPattern: try take(4).reduce(0) { $0 << 8 | UInt32($1) }) }
        mutating func unsignedVarint() throws -> UInt32 {
            var value: UInt32 = 0
            for shift in stride(from: 0, to: 35, by: 7) {
                let byte = try take(1)[0]
                value |= UInt32(byte & 0x7F) << UInt32(shift)
                if byte & 0x80 == 0 { return value }
            }
            throw CocoaError(.coderReadCorrupt)
        }
        mutating func take(_ count: Int) throws -> [UInt8] {
            guard bytes.count >= count else { throw CocoaError(.coderReadCorrupt) }
            defer { bytes = bytes.dropFirst(count) }
            return Array(bytes.prefix(count))
        }
    }

    /// Decodes an ApiVersions response body at `version` (v0–v2 classic, v3+ flexible).
    static func decode(_ body: [UInt8], version: Int16) throws -> Answer {
        var reader = Reader(bytes: body[...])
        var answer = Answer()
        answer.errorCode = try reader.int16()
        let count = version >= 3 ? Int(try reader.unsignedVarint()) - 1 : Int(try reader.int32())
        for _ in 0..<count {
            let key = try reader.int16(), minimum = try reader.int16(), maximum = try reader.int16()
            if version >= 3 { #expect(try reader.unsignedVarint() == 0, "an entry's tag buffer") }
            answer.ranges[key] = minimum...maximum
        }
        if version >= 1 { answer.throttleTimeMs = try reader.int32() }
        if version >= 3 { #expect(try reader.unsignedVarint() == 0, "the response's tag buffer") }
        #expect(reader.bytes.isEmpty, "v\(version): \(reader.bytes.count) bytes left over")
        return answer
    }

    /// An ApiVersions request at `version`; from v3 on with header v2 and client software fields.
    static func request(version: Int16, correlationID: Int32) -> [UInt8] {
        func int16(_ value: Int16) -> [UInt8] { [UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)] }
        func int32(_ value: Int32) -> [UInt8] { int16(Int16(truncatingIfNeeded: value >> 16)) + int16(Int16(truncatingIfNeeded: value)) }
        var frame = int16(18) + int16(version) + int32(correlationID) + int16(3) + Array("raw".utf8)
        if version >= 3 {
            frame += [0]  // header tag buffer
            frame += [UInt8("raw-client".utf8.count + 1)] + Array("raw-client".utf8)
            frame += [UInt8("9.9".utf8.count + 1)] + Array("9.9".utf8)
            frame += [0]  // body tag buffer
        }
        return int32(Int32(frame.count)) + frame
    }

    @Test func everyVersionIsAnsweredInItsOwnEncodingBeforeAuthenticationWithoutDiallingUpstream() async throws {
        let local = try await MSKLocalFixture.start(brokers: 1)
        let port = try #require(local.endpoints.bootstrapServers.split(separator: ":").last.flatMap { Int($0) })
        for version: Int16 in 0...4 {
            let connection = try RawTCPConnection(port: port)
            #expect(connection.send(Self.request(version: version, correlationID: 100 + Int32(version))))
            let frame = try #require(connection.readKafkaFrame(within: .seconds(5)), "no answer to ApiVersions v\(version)")
            #expect(Array(frame.prefix(4)) == [0, 0, 0, UInt8(100 + version)], "v\(version): the correlation id")
            let answer = try Self.decode(Array(frame.dropFirst(4)), version: version)
            #expect(answer.errorCode == 0)
            #expect(answer.ranges[18] == 0...4, "v\(version): ApiVersions itself")
            #expect(answer.ranges[17] == 0...1 && answer.ranges[36] == 0...1, "v\(version): the SASL APIs the gateway serves")
            #expect((answer.ranges[3]?.upperBound ?? 99) <= 8 && (answer.ranges[10]?.upperBound ?? 99) <= 2, "v\(version): capped where rewritten")
            #expect(answer.ranges[0] != nil, "v\(version): Produce, from the upstream")
            #expect((version >= 1) == (answer.throttleTimeMs != nil))
        }
        let counters = local.counters.snapshot
        #expect(counters.upstreamConnections == 0, "ApiVersions before authentication dialled the upstream")
        #expect(counters.apiVersionsByClientSoftware["raw-client/9.9"] == 2, "\(counters.apiVersionsByClientSoftware)")
        await local.shutdown()
    }

    @Test func anUnknownVersionGetsKIP511sV0Answer() async throws {
        let local = try await MSKLocalFixture.start(brokers: 1)
        let port = try #require(local.endpoints.bootstrapServers.split(separator: ":").last.flatMap { Int($0) })
        let connection = try RawTCPConnection(port: port)
        // v99 is sent with a v0-style body (a client cannot know v99's layout either).
        var request = Self.request(version: 0, correlationID: 9)
        request[6...7] = [0, 99]
        #expect(connection.send(request))
        let frame = try #require(connection.readKafkaFrame(within: .seconds(5)))
        let answer = try Self.decode(Array(frame.dropFirst(4)), version: 0)
        #expect(answer.errorCode == 35)
        #expect(answer.ranges == [18: 0...4])
        await local.shutdown()
    }

    @Test func authenticationsAreCountedByTheClientSoftwareNamedInApiVersions() async throws {
        let local = try await MSKLocalFixture.start(brokers: 1)
        let port = try #require(local.endpoints.bootstrapServers.split(separator: ":").last.flatMap { Int($0) })
        let named = try RawTCPConnection(port: port)
        #expect(named.send(Self.request(version: 3, correlationID: 1)))
        #expect(named.readKafkaFrame(within: .seconds(5)) != nil)
        #expect(try ControlAPITests.authenticate(on: named, token: try ControlAPITests.freshToken(local))?.error == 0)
        // A client that never says what it is (ApiVersions v0, or none at all).
        #expect(try ControlAPITests.authenticate(port: port, token: try ControlAPITests.freshToken(local))?.error == 0)
        #expect(local.counters.snapshot.authenticationsByClientSoftware == ["raw-client/9.9": 1, "unknown": 1])
        await local.shutdown()
    }
}
