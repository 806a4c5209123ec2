import KafkaSoak
import Testing

/// The soak message format: what the producer writes, the consumer reads back, and a flipped
/// byte anywhere is caught.
@Suite struct SoakPayloadTests {
    @Test func roundTripsAMessageAndAnEndMarker() throws {
        let message = SoakPayload(streamID: "soak-3", sequence: 42, sentMs: 1_700_000_000_123)
        let bytes = message.encoded(size: 200)
        #expect(String(decoding: bytes, as: UTF8.self).hasPrefix("p=soak-3;s=42;t=1700000000123;c="))
        #expect(try SoakPayload.decode(bytes) == message)

        let end = SoakPayload(streamID: "soak-3", sequence: 43, sentMs: 1_700_000_000_999, isEnd: true)
        let decoded = try SoakPayload.decode(end.encoded(size: 64))
        #expect(decoded == end && decoded.isEnd)
    }

    @Test(arguments: [0, 1, 30, 200, 4096])
    func roundTripsAtAnySize(size: Int) throws {
        let message = SoakPayload(streamID: "p0", sequence: 7, sentMs: 12)
        #expect(try SoakPayload.decode(message.encoded(size: size)) == message)
    }

    @Test func aChangedByteInTheHeaderOrThePaddingFailsTheChecksum() throws {
        let bytes = SoakPayload(streamID: "p1", sequence: 5, sentMs: 100).encoded(size: 120)
        var sequenceChanged = bytes
        sequenceChanged[Array("p=p1;s=".utf8).count] = UInt8(ascii: "6")
        #expect(throws: SoakPayload.DecodeError.checksumMismatch) { try SoakPayload.decode(sequenceChanged) }
        var paddingChanged = bytes
        paddingChanged[paddingChanged.count - 1] = UInt8(ascii: "y")
        #expect(throws: SoakPayload.DecodeError.checksumMismatch) { try SoakPayload.decode(paddingChanged) }
    }

    @Test func malformedBytesAreRefused() throws {
        let bytes = SoakPayload(streamID: "p1", sequence: 5, sentMs: 100).encoded(size: 120)
        let checksumStart = try #require(bytes.firstRange(of: Array(";c=".utf8))).lowerBound
        #expect(throws: SoakPayload.DecodeError.malformed) { try SoakPayload.decode(Array("hello".utf8)) }
        #expect(throws: SoakPayload.DecodeError.malformed) { try SoakPayload.decode([]) }
        // Cut inside the checksum.
        #expect(throws: SoakPayload.DecodeError.malformed) { try SoakPayload.decode(Array(bytes[..<(checksumStart + 10)])) }
        // A checksum that is not hexadecimal.
        var notHex = bytes
        notHex[checksumStart + 3] = UInt8(ascii: "g")
        #expect(throws: SoakPayload.DecodeError.malformed) { try SoakPayload.decode(notHex) }
        // A valid checksum over a header without the fields.
        let header = Array("q=1;".utf8)
        let fieldless = header + Array("c=\(String(SoakPayload.fnv1a(header), radix: 16).leftPaddedForTest(16));".utf8)
        #expect(throws: SoakPayload.DecodeError.malformed) { try SoakPayload.decode(fieldless) }
    }

    /// FNV-1a 64 reference values (the parameters' published test vectors).
    @Test func checksumIsFNV1a64() {
        #expect(SoakPayload.fnv1a([]) == 0xcbf2_9ce4_8422_2325)
        #expect(SoakPayload.fnv1a(Array("a".utf8)) == 0xaf63_dc4c_8601_ec8c)
        #expect(SoakPayload.fnv1a(Array("foobar".utf8)) == 0x8594_4171_f739_67e8)
    }
}

extension String {
    func leftPaddedForTest(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
