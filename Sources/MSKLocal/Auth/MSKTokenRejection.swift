/// Why the gateway refused an MSK IAM token. The ``description`` is what the client receives in
/// `SaslAuthenticate`'s error message; it never contains the token, a secret or a signature.
public enum MSKTokenRejection: Error, Sendable, Hashable, CustomStringConvertible {
    case malformedInitialResponse(String)
    case notBase64URL
    case notAPresignedURL
    case wrongHost(String)
    case wrongAction(String?)
    case missingParameter(String)
    case wrongAlgorithm(String)
    case malformedCredential
    case wrongRegion(expected: String, got: String)
    case wrongService(String)
    case malformedDate(String)
    case dateMismatch
    case signedInFuture(seconds: Int)
    case expiresTooLong(Int)
    case expired(secondsAgo: Int)
    case wrongSignedHeaders(String)
    case unknownAccessKey(String)
    case sessionTokenMismatch(accessKeyID: String)
    case credentialsExpired(accessKeyID: String)
    case signatureMismatch(accessKeyID: String)
    case principalChanged(from: String, to: String)
    /// The session the token would open (until the token or its credentials end) is shorter
    /// than the broker's minimum.
    case sessionTooShort(milliseconds: Int)
    case rejectedByFault
    /// The principal's policy does not allow `kafka-cluster:Connect` on the cluster.
    case connectNotAllowed(principal: String, cluster: String)
    /// The broker's limit on new connections per second was reached (MSK: "Too many connects").
    case tooManyConnects(perSecond: Int)

    /// A short stable name for counters (`signature_mismatch`, `expired`, ...).
    public var reasonCode: String {
        switch self {
        case .malformedInitialResponse: "malformed_initial_response"
        case .notBase64URL: "not_base64url"
        case .notAPresignedURL: "not_a_presigned_url"
        case .wrongHost: "wrong_host"
        case .wrongAction: "wrong_action"
        case .missingParameter: "missing_parameter"
        case .wrongAlgorithm: "wrong_algorithm"
        case .malformedCredential: "malformed_credential"
        case .wrongRegion: "wrong_region"
        case .wrongService: "wrong_service"
        case .malformedDate: "malformed_date"
        case .dateMismatch: "date_mismatch"
        case .signedInFuture: "signed_in_future"
        case .expiresTooLong: "expires_too_long"
        case .expired: "expired"
        case .wrongSignedHeaders: "wrong_signed_headers"
        case .unknownAccessKey: "unknown_access_key"
        case .sessionTokenMismatch: "session_token_mismatch"
        case .credentialsExpired: "credentials_expired"
        case .signatureMismatch: "signature_mismatch"
        case .principalChanged: "principal_changed"
        case .sessionTooShort: "session_too_short"
        case .rejectedByFault: "rejected_by_fault"
        case .connectNotAllowed: "connect_not_allowed"
        case .tooManyConnects: "too_many_connects"
        }
    }

    public var description: String {
        switch self {
        case .malformedInitialResponse(let why): "malformed OAUTHBEARER initial response: \(why)"
        case .notBase64URL: "the token is not base64url"
        case .notAPresignedURL: "the token is not a presigned URL"
        case .wrongHost(let host): "the token is for host '\(Self.quote(host))', not kafka.<region>.amazonaws.com"
        case .wrongAction(let action): "Action is '\(action.map(Self.quote) ?? "missing")', not 'kafka-cluster:Connect'"
        case .missingParameter(let name): "the token has no \(name)"
        case .wrongAlgorithm(let algorithm): "X-Amz-Algorithm is '\(Self.quote(algorithm))', not AWS4-HMAC-SHA256"
        case .malformedCredential: "X-Amz-Credential is not <key>/<date>/<region>/<service>/aws4_request"
        case .wrongRegion(let expected, let got): "the credential scope names region '\(Self.quote(got))', this cluster is in '\(expected)'"
        case .wrongService(let service): "the credential scope names service '\(Self.quote(service))', not 'kafka-cluster'"
        case .malformedDate(let text): "X-Amz-Date '\(Self.quote(text))' is not yyyyMMddTHHmmssZ"
        case .dateMismatch: "the credential scope date differs from X-Amz-Date"
        case .signedInFuture(let seconds): "the token was signed \(seconds) s in the future (beyond the allowed clock skew)"
        case .expiresTooLong(let seconds): "X-Amz-Expires is \(seconds), above 900"
        case .expired(let seconds): "the token expired \(seconds) s ago"
        case .wrongSignedHeaders(let headers): "X-Amz-SignedHeaders is '\(Self.quote(headers))', not 'host'"
        case .unknownAccessKey(let key): "access key \(Self.quote(key)) is not known"
        case .sessionTokenMismatch(let key): "the security token does not belong to access key \(Self.quote(key))"
        case .credentialsExpired(let key): "the credentials of access key \(Self.quote(key)) have expired"
        case .signatureMismatch(let key): "the signature does not match (access key \(Self.quote(key)))"
        // MSK's own wording for both, which users search for.
        case .principalChanged(let from, let to): "Cannot change principals during re-authentication from \(from): \(to)"
        case .sessionTooShort(let milliseconds): "Session too short: the token or the credentials that signed it end in \(milliseconds) ms"
        case .rejectedByFault: "authentication rejected by an injected fault"
        case .connectNotAllowed(let principal, let cluster): "Access denied: \(principal) is not allowed kafka-cluster:Connect on \(cluster)"
        case .tooManyConnects(let perSecond): "Too many connects: this broker takes at most \(perSecond) new connections per second; retry later"
        }
    }

    /// A value from the token as it may be quoted in a refusal: what a client sent can be of any
    /// length, and the refusal goes into a log line and a Kafka string.
    static func quote(_ value: String) -> String {
        guard value.count > 128 else { return value }
        return "\(value.prefix(128))… (\(value.utf8.count) bytes)"
    }
}
