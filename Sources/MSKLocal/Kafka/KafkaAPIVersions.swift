import NIOCore

/// One API's supported version range, as ApiVersions lists it.
struct KafkaAPIVersionRange: Equatable, Sendable {
    let apiKey: Int16
    let minimum: Int16
    let maximum: Int16
}

/// The ApiVersions answer the gateway gives itself, in every version's encoding — so that a
/// client can ask before it authenticates without the gateway dialling the upstream broker, and
/// so that clients that open with v3 or v4 (Kafka ≥ 2.4 clients) get an answer they can read:
/// librdkafka 2.0.2's mock only knows v0–v2 and answers v3 with a body no version can decode.
///
/// Encodings (Kafka's `ApiVersionsResponse` schema; the response header is v0 at every version):
/// - v0: `error_code INT16, api_keys [api_key INT16, min_version INT16, max_version INT16]`;
/// - v1, v2: the same, then `throttle_time_ms INT32`;
/// - v3, v4: flexible — a compact array whose entries end with an empty tag buffer, then
///   `throttle_time_ms INT32` and an empty tag buffer.
///
/// A version above v4 gets the v0 body with `UNSUPPORTED_VERSION` listing ApiVersions' own
/// range (KIP-511), from which the client retries with one it knows.
struct KafkaAPIVersions: Sendable {
    /// The highest ApiVersions version answered in its own encoding.
    static let highestVersion: Int16 = 4

    /// What is advertised, in order.
    let ranges: [KafkaAPIVersionRange]

    /// What the gateway can serve end to end: the upstream's ranges, capped where the gateway
    /// rewrites responses (``KafkaAPI/rewrittenVersionCaps``), ApiVersions itself as answered
    /// here and, on a SASL listener, the SASL APIs the gateway serves — and there only the APIs
    /// it authorizes, at the versions it reads (``KafkaAPI/authorizedVersionCaps``).
    init(upstream: [KafkaAPIVersionRange], advertisesSASL: Bool) {
        let own: Set<Int16> = [KafkaAPI.apiVersions, KafkaAPI.saslHandshake, KafkaAPI.saslAuthenticate]
        let caps = advertisesSASL ? KafkaAPI.authorizedVersionCaps : KafkaAPI.rewrittenVersionCaps
        var ranges: [KafkaAPIVersionRange] = upstream.compactMap { range in
            guard !own.contains(range.apiKey) else { return nil }
            if advertisesSASL, caps[range.apiKey] == nil { return nil }
            let maximum = caps[range.apiKey].map { min(range.maximum, $0) } ?? range.maximum
            guard range.minimum <= maximum else { return nil }
            return KafkaAPIVersionRange(apiKey: range.apiKey, minimum: range.minimum, maximum: maximum)
        }
        ranges.append(KafkaAPIVersionRange(apiKey: KafkaAPI.apiVersions, minimum: 0, maximum: Self.highestVersion))
        if advertisesSASL { ranges.append(contentsOf: KafkaAPI.servedVersions.map { KafkaAPIVersionRange(apiKey: $0.key, minimum: $0.min, maximum: $0.max) }) }
        self.ranges = ranges
    }

    /// The ranges in a v0 ApiVersions response body (after the correlation id).
    static func parseV0(_ body: ByteBuffer) throws -> [KafkaAPIVersionRange] {
        var input = body
        let errorCode = try input.readKafkaInt16()
        guard errorCode == KafkaErrorCode.none else { throw KafkaWireError("the upstream answered ApiVersions with error \(errorCode)") }
        let count = try input.readKafkaArrayCount(minimumElementSize: 6)
        return try (0..<count).map { _ in
            KafkaAPIVersionRange(apiKey: try input.readKafkaInt16(), minimum: try input.readKafkaInt16(), maximum: try input.readKafkaInt16())
        }
    }

    /// The response body (after the correlation id) to an ApiVersions request at `version`.
    func responseBody(version: Int16, allocator: ByteBufferAllocator) -> ByteBuffer {
        guard (0...Self.highestVersion).contains(version) else { return Self.unsupportedVersionBody(allocator: allocator) }
        var body = allocator.buffer(capacity: 16 + ranges.count * 7)
        body.writeInteger(KafkaErrorCode.none)
        if version >= 3 {
            body.writeKafkaUnsignedVarint(UInt32(ranges.count + 1))
        } else {
            body.writeInteger(Int32(ranges.count))
        }
        for range in ranges {
            body.writeInteger(range.apiKey)
            body.writeInteger(range.minimum)
            body.writeInteger(range.maximum)
            if version >= 3 { body.writeKafkaUnsignedVarint(0) }  // the entry's tag buffer
        }
        if version >= 1 { body.writeInteger(Int32(0)) }  // throttle_time_ms
        if version >= 3 { body.writeKafkaUnsignedVarint(0) }  // the response's tag buffer
        return body
    }

    /// KIP-511: a v0 body with `UNSUPPORTED_VERSION` and ApiVersions' own range.
    static func unsupportedVersionBody(allocator: ByteBufferAllocator) -> ByteBuffer {
        var body = allocator.buffer(capacity: 12)
        body.writeInteger(KafkaErrorCode.unsupportedVersion)
        body.writeInteger(Int32(1))
        body.writeInteger(KafkaAPI.apiVersions)
        body.writeInteger(Int16(0))
        body.writeInteger(highestVersion)
        return body
    }

    /// The client software name and version a v3+ request carries (`body` starts after the
    /// header's client id), or `nil` when it carries none or cannot be read.
    static func clientSoftware(version: Int16, body: ByteBuffer) -> (name: String, version: String)? {
        guard version >= 3 else { return nil }
        var body = body
        guard (try? body.skipKafkaTaggedFields()) != nil,  // request header v2
              let name = (try? body.readKafkaCompactString()) ?? nil, let softwareVersion = (try? body.readKafkaCompactString()) ?? nil else {
            return nil
        }
        return (name, softwareVersion)
    }
}
