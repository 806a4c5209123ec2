import Foundation

/// A SASL/OAUTHBEARER token as librdkafka takes it (`rd_kafka_oauthbearer_set_token`): what
/// any token source hands the client, MSK IAM or another issuer.
///
/// ``value`` is a bearer secret, and extension values may be too: ``description`` and `dump`
/// show neither.
public struct OAuthBearerToken: Sendable, Hashable {
    /// The token itself, sent to the broker as is.
    public var value: String
    /// When the token stops being usable, in milliseconds since the Unix epoch
    /// (librdkafka's `md_lifetime_ms`). The client replaces it well before then.
    public var lifetimeMs: Int64
    /// The principal name librdkafka records with the token (its logs; the broker decides the
    /// principal from the token itself).
    public var principalName: String
    /// SASL extensions sent with the token (RFC 7628 `key=value` pairs: keys of letters only,
    /// `auth` reserved; values of visible ASCII, space, tab, CR, LF). A token with any other is
    /// not pushed: the client logs why (naming the key, never the value), counts a failed
    /// refresh and keeps the previous token.
    public var extensions: [String: String]

    /// Creates a token that is good until `lifetimeMs` (milliseconds since the Unix epoch).
    public init(value: String, lifetimeMs: Int64, principalName: String, extensions: [String: String] = [:]) {
        self.value = value
        self.lifetimeMs = lifetimeMs
        self.principalName = principalName
        self.extensions = extensions
    }

    /// Creates a token that is good until `expiration` (to the millisecond, rounded down).
    public init(value: String, expiration: Date, principalName: String, extensions: [String: String] = [:]) {
        self.init(value: value, lifetimeMs: Self.milliseconds(since1970: expiration), principalName: principalName, extensions: extensions)
    }

    /// When the token stops being usable: ``lifetimeMs`` as a date.
    public var expiration: Date { Date(timeIntervalSince1970: Double(lifetimeMs) / 1000) }

    /// Why librdkafka would refuse ``extensions``, naming the key only, or `nil` when they are
    /// fine. The same rules as librdkafka's (RFC 7628): keys of letters only, `auth` reserved;
    /// values of visible ASCII, space, tab, CR and LF. Checked first because librdkafka's own
    /// message quotes the offending value, which may be a secret.
    var extensionsProblem: String? {
        func isLetter(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }
        func isAllowedInValue(_ byte: UInt8) -> Bool { (0x21...0x7E).contains(byte) || [0x20, 0x09, 0x0D, 0x0A].contains(byte) }
        for (key, value) in extensions.sorted(by: { $0.key < $1.key }) {
            guard !key.isEmpty, key.utf8.allSatisfy(isLetter) else { return "SASL extension key '\(key)' is not letters only (RFC 7628)" }
            guard key != "auth" else { return "SASL extension key 'auth' is reserved for the token itself" }
            guard value.utf8.allSatisfy(isAllowedInValue) else { return "the value of SASL extension '\(key)' has a character RFC 7628 does not allow" }
        }
        return nil
    }

    /// `date` in milliseconds since the Unix epoch, rounded down: the unit of ``lifetimeMs``.
    static func milliseconds(since1970 date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }
}

extension OAuthBearerToken: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Principal, lifetime and extension keys; the value and extension values are `<redacted>`.
    public var description: String {
        "OAuthBearerToken(principalName: \(principalName), lifetimeMs: \(lifetimeMs), value: <redacted>, extensions: \(extensions.keys.sorted()))"
    }

    /// Same as ``description``.
    public var debugDescription: String { description }

    /// What `dump` and `Mirror` see: no secret.
    public var customMirror: Mirror {
        Mirror(self, children: ["value": "<redacted>", "lifetimeMs": lifetimeMs, "principalName": principalName,
                                "extensions": extensions.keys.sorted()], displayStyle: .struct)
    }
}
