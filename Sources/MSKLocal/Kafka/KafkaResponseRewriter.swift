import NIOCore

/// Rewrites upstream responses so that clients only ever see the gateway: broker addresses
/// point at the gateway's listeners, and `ApiVersions` advertises SASL and no version the
/// gateway cannot rewrite.
///
/// Only non-flexible versions are handled (see ``KafkaAPI/rewrittenVersionCaps``); the
/// advertised caps make clients stay within them.
struct KafkaResponseRewriter: Sendable {
    /// Upstream `host:port` → the gateway's host and port for it. Keyed by address, not broker
    /// id, so that nothing depends on the order in which the upstream lists its brokers.
    let listeners: [String: (host: String, port: Int32)]
    /// Whether `ApiVersions` answers list the SASL APIs the gateway serves (not on a plaintext
    /// front, whose clients never authenticate).
    var advertisesSASL = true

    /// The rewritten body of a response to `apiKey` at `version`, or `nil` to pass it through.
    func rewrite(apiKey: Int16, version: Int16, body: ByteBuffer, allocator: ByteBufferAllocator) throws -> ByteBuffer? {
        switch apiKey {
        case KafkaAPI.apiVersions: return try apiVersions(version: version, body: body, allocator: allocator)
        case KafkaAPI.metadata: return try metadata(version: version, body: body, allocator: allocator)
        case KafkaAPI.findCoordinator: return try findCoordinator(version: version, body: body, allocator: allocator)
        default: return nil
        }
    }

    /// ApiVersions v0–v2: `error_code, [api_key, min, max], throttle_time_ms (v1+)`.
    /// An error answer (e.g. to a version the upstream does not know) passes through: the client
    /// retries with a lower version.
    private func apiVersions(version: Int16, body: ByteBuffer, allocator: ByteBufferAllocator) throws -> ByteBuffer? {
        var input = body
        let errorCode = try input.readKafkaInt16()
        guard errorCode == KafkaErrorCode.none else { return nil }
        guard version <= 2 else { throw KafkaWireError("ApiVersions v\(version) (flexible) cannot be rewritten") }
        let count = try input.readKafkaArrayCount(minimumElementSize: 6)
        var entries: [(key: Int16, min: Int16, max: Int16)] = []
        for _ in 0..<count {
            let key = try input.readKafkaInt16()
            let minimum = try input.readKafkaInt16()
            var maximum = try input.readKafkaInt16()
            if advertisesSASL, KafkaAPI.servedVersions.contains(where: { $0.key == key }) { continue }
            if let cap = KafkaAPI.rewrittenVersionCaps[key] { maximum = min(maximum, cap) }
            entries.append((key, minimum, maximum))
        }
        if advertisesSASL { entries.append(contentsOf: KafkaAPI.servedVersions) }
        var output = allocator.buffer(capacity: body.readableBytes + 12)
        output.writeInteger(errorCode)
        output.writeInteger(Int32(entries.count))
        for entry in entries {
            output.writeInteger(entry.key)
            output.writeInteger(entry.min)
            output.writeInteger(entry.max)
        }
        output.writeImmutableBuffer(input)  // throttle_time_ms
        return output
    }

    /// Metadata v0–v8: `[throttle_time_ms (v3+)], brokers [node_id, host, port, rack (v1+)], …`.
    private func metadata(version: Int16, body: ByteBuffer, allocator: ByteBufferAllocator) throws -> ByteBuffer? {
        guard version <= 8 else { throw KafkaWireError("Metadata v\(version) (flexible) cannot be rewritten") }
        var input = body
        var output = allocator.buffer(capacity: body.readableBytes + 64)
        if version >= 3 { output.writeInteger(try input.readKafkaInt32()) }
        let count = try input.readKafkaArrayCount(minimumElementSize: 10)
        output.writeInteger(Int32(count))
        for _ in 0..<count {
            try copyBrokerAddress(from: &input, to: &output)
            if version >= 1 { output.writeKafkaString(try input.readKafkaString()) }
        }
        output.writeImmutableBuffer(input)
        return output
    }

    /// FindCoordinator v0–v2: `[throttle_time_ms, error_code, error_message] | error_code`, then
    /// `node_id, host, port`.
    private func findCoordinator(version: Int16, body: ByteBuffer, allocator: ByteBufferAllocator) throws -> ByteBuffer? {
        guard version <= 2 else { throw KafkaWireError("FindCoordinator v\(version) (flexible) cannot be rewritten") }
        var input = body
        var output = allocator.buffer(capacity: body.readableBytes + 32)
        if version >= 1 {
            output.writeInteger(try input.readKafkaInt32())
            output.writeInteger(try input.readKafkaInt16())
            output.writeKafkaString(try input.readKafkaString())
        } else {
            output.writeInteger(try input.readKafkaInt16())
        }
        try copyBrokerAddress(from: &input, to: &output)
        output.writeImmutableBuffer(input)
        return output
    }

    /// `node_id, host, port`, with the address replaced by the gateway's listener for it.
    private func copyBrokerAddress(from input: inout ByteBuffer, to output: inout ByteBuffer) throws {
        let nodeID = try input.readKafkaInt32()
        var host = try input.readKafkaString()
        var port = try input.readKafkaInt32()
        if let listener = listeners["\(host ?? ""):\(port)"] { (host, port) = (listener.host, listener.port) }
        output.writeInteger(nodeID)
        output.writeKafkaString(host)
        output.writeInteger(port)
    }
}
