/// An MSK IAM authentication token, ready for `rd_kafka_oauthbearer_set_token`.
///
/// ``value`` is a bearer secret: it is never shown by ``description``.
public struct MSKIAMToken: Sendable, Hashable {
    /// The token: the SigV4-presigned `kafka-cluster:Connect` URL, base64url without padding.
    public let value: String
    /// When the token stops being usable, in milliseconds since the Unix epoch:
    /// `min(signing time + X-Amz-Expires, credential expiration)`.
    public let lifetimeMs: Int64
    /// The principal name handed to librdkafka alongside the token.
    public let principal: String

    /// Creates a token from its parts.
    public init(value: String, lifetimeMs: Int64, principal: String) {
        self.value = value
        self.lifetimeMs = lifetimeMs
        self.principal = principal
    }
}

extension MSKIAMToken: CustomStringConvertible, CustomDebugStringConvertible {
    /// A redacted description: principal and lifetime only.
    public var description: String {
        "MSKIAMToken(principal: \(principal), lifetimeMs: \(lifetimeMs), value: <redacted>)"
    }

    /// Same as ``description``.
    public var debugDescription: String { description }
}

extension MSKIAMToken: CustomReflectable {
    /// What `dump` and `Mirror` see: the token value as `<redacted>`.
    public var customMirror: Mirror {
        Mirror(self, children: ["value": "<redacted>", "lifetimeMs": lifetimeMs, "principal": principal], displayStyle: .struct)
    }
}
