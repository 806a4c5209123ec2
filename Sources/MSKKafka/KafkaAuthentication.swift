/// How the client authenticates to the brokers.
public enum KafkaAuthentication: Sendable {
    /// No SASL (`PLAINTEXT`, or `SSL` with ``KafkaConnectionConfiguration/tls``).
    case none
    /// SASL/PLAIN.
    case plain(username: String, password: String)
    /// SASL/SCRAM-SHA-256.
    case scramSHA256(username: String, password: String)
    /// SASL/SCRAM-SHA-512.
    case scramSHA512(username: String, password: String)
    /// SASL/OAUTHBEARER with tokens from `source`.
    case oauthBearer(OAuthBearerTokenSource)

    func librdkafkaProperties(tls: Bool) -> [(String, String)] {
        func sasl(_ mechanism: String) -> [(String, String)] {
            [("security.protocol", tls ? "SASL_SSL" : "SASL_PLAINTEXT"), ("sasl.mechanisms", mechanism)]
        }
        switch self {
        case .none:
            return [("security.protocol", tls ? "SSL" : "PLAINTEXT")]
        case .plain(let username, let password):
            return sasl("PLAIN") + [("sasl.username", username), ("sasl.password", password)]
        case .scramSHA256(let username, let password):
            return sasl("SCRAM-SHA-256") + [("sasl.username", username), ("sasl.password", password)]
        case .scramSHA512(let username, let password):
            return sasl("SCRAM-SHA-512") + [("sasl.username", username), ("sasl.password", password)]
        case .oauthBearer:
            // `sasl.oauthbearer.method` is left at its default ("default": tokens come from the
            // refresh callback); Debian's 2.0.2 build refuses the property outright (no OIDC).
            return sasl("OAUTHBEARER")
        }
    }

    var tokenSource: OAuthBearerTokenSource? {
        if case .oauthBearer(let source) = self { return source }
        return nil
    }
}

extension KafkaAuthentication: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The mechanism and user name; passwords are `<redacted>`.
    public var description: String {
        switch self {
        case .none: "none"
        case .plain(let username, _): "plain(username: \(username), password: <redacted>)"
        case .scramSHA256(let username, _): "scramSHA256(username: \(username), password: <redacted>)"
        case .scramSHA512(let username, _): "scramSHA512(username: \(username), password: <redacted>)"
        case .oauthBearer: "oauthBearer"
        }
    }

    /// Same as ``description``: printing a configuration never prints a password.
    public var debugDescription: String { description }

    /// What `dump` and `Mirror` see: no password.
    public var customMirror: Mirror {
        Mirror(self, children: ["mechanism": description], displayStyle: .enum)
    }
}
