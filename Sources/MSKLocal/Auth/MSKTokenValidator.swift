import AWSAuth
import Foundation

/// A successful authentication: who, and until when the session may last.
public struct AuthenticatedSession: Sendable, Equatable {
    /// The principal ARN of the credentials that signed the token.
    public let principal: String
    /// The access key id that signed the token.
    public let accessKeyID: String
    /// `min(token end, credential expiration)`.
    public let sessionEnd: Date
}

/// Validates MSK IAM tokens the way MSK does: the token is a base64url SigV4-presigned
/// `https://kafka.<region>.amazonaws.com/?Action=kafka-cluster:Connect` URL; every part is
/// checked and the signature recomputed with the secret the registry holds for the key.
public struct MSKTokenValidator: Sendable {
    /// The cluster's region.
    public let region: String
    /// How far in the future `X-Amz-Date` may be.
    public let allowedClockSkew: TimeInterval
    /// Where signing secrets come from.
    public let registry: CredentialRegistry
    /// The shortest session a token may open. MSK refuses a token whose credentials end sooner
    /// with "Session too short"; its threshold is not published, and reports from clients put it
    /// at a couple of seconds, hence the default of 2 s (this project's credential cache never
    /// signs with credentials that end within 5 s, `RefreshPolicy.expiryMargin`).
    public let minimumSessionLifetime: TimeInterval

    /// Creates a validator.
    public init(region: String, allowedClockSkew: TimeInterval = 300, minimumSessionLifetime: TimeInterval = 2, registry: CredentialRegistry) {
        self.region = region
        self.allowedClockSkew = allowedClockSkew
        self.minimumSessionLifetime = minimumSessionLifetime
        self.registry = registry
    }

    /// Checks `token` at `now`.
    public func validate(token: String, now: Date) -> Result<AuthenticatedSession, MSKTokenRejection> {
        do {
            return .success(try check(token: token, now: now))
        } catch {
            return .failure(error)
        }
    }

    private func check(token: String, now: Date) throws(MSKTokenRejection) -> AuthenticatedSession {
        guard let urlBytes = Base64URL.decode(token), let urlText = String(validating: urlBytes, as: UTF8.self) else {
            throw .notBase64URL
        }
        guard let components = URLComponents(string: urlText), components.scheme == "https", let host = components.host,
              let encodedQuery = components.percentEncodedQuery else {
            throw .notAPresignedURL
        }
        guard host == "kafka.\(region).amazonaws.com" else { throw .wrongHost(host) }

        let parameters = Self.decodeQuery(encodedQuery)
        func value(_ name: String) throws(MSKTokenRejection) -> String {
            guard let found = parameters.first(where: { $0.0 == name })?.1 else { throw .missingParameter(name) }
            return found
        }
        let action = parameters.first(where: { $0.0 == "Action" })?.1
        guard action == "kafka-cluster:Connect" else { throw .wrongAction(action) }
        let algorithm = try value("X-Amz-Algorithm")
        guard algorithm == "AWS4-HMAC-SHA256" else { throw .wrongAlgorithm(algorithm) }

        let scope = try value("X-Amz-Credential").split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard scope.count == 5, scope[4] == "aws4_request", !scope[0].isEmpty else { throw .malformedCredential }
        let (accessKeyID, scopeDate, scopeRegion, scopeService) = (scope[0], scope[1], scope[2], scope[3])
        guard scopeRegion == region else { throw .wrongRegion(expected: region, got: scopeRegion) }
        guard scopeService == "kafka-cluster" else { throw .wrongService(scopeService) }

        let dateText = try value("X-Amz-Date")
        guard let signedAt = Self.parseAmzDate(dateText) else { throw .malformedDate(dateText) }
        guard dateText.hasPrefix(scopeDate), scopeDate.count == 8 else { throw .dateMismatch }
        let expiresText = try value("X-Amz-Expires")
        guard let expires = Int(expiresText), expires > 0 else { throw .missingParameter("valid X-Amz-Expires") }
        guard expires <= 900 else { throw .expiresTooLong(expires) }
        let signedHeaders = try value("X-Amz-SignedHeaders")
        guard signedHeaders == "host" else { throw .wrongSignedHeaders(signedHeaders) }
        let signature = try value("X-Amz-Signature")

        if signedAt.timeIntervalSince(now) > allowedClockSkew {
            throw .signedInFuture(seconds: Self.wholeSeconds(signedAt.timeIntervalSince(now)))
        }
        let tokenEnd = signedAt.addingTimeInterval(TimeInterval(expires))
        guard tokenEnd > now else { throw .expired(secondsAgo: Self.wholeSeconds(now.timeIntervalSince(tokenEnd))) }

        guard let known = registry.lookup(accessKeyID: accessKeyID) else { throw .unknownAccessKey(accessKeyID) }
        let sessionToken = parameters.first(where: { $0.0 == "X-Amz-Security-Token" })?.1
        guard sessionToken == known.credentials.sessionToken else { throw .sessionTokenMismatch(accessKeyID: accessKeyID) }

        // Recompute: the token's own parameters (not the X-Amz-* ones the signer adds, and not
        // User-Agent, which AWS's signers append after signing), in their order.
        let ownParameters = parameters.filter { !$0.0.hasPrefix("X-Amz-") && $0.0 != "User-Agent" }
        let signer = SigV4Signer(credentials: known.credentials, region: scopeRegion, service: scopeService)
        let expected = signer.presignedQuery(
            method: "GET", host: host, percentEncodedPath: components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath,
            parameters: ownParameters, expires: expires, date: signedAt
        )
        guard let expectedSignature = expected.split(separator: "&").last?.split(separator: "=").last,
              constantTimeEqual(Array(expectedSignature.utf8), Array(signature.utf8)) else {
            throw .signatureMismatch(accessKeyID: accessKeyID)
        }
        var sessionEnd = tokenEnd
        if let expiration = known.credentials.expiration {
            guard expiration > now else { throw .credentialsExpired(accessKeyID: accessKeyID) }
            sessionEnd = min(sessionEnd, expiration)
        }
        let remaining = sessionEnd.timeIntervalSince(now)
        guard remaining >= minimumSessionLifetime else {
            throw .sessionTooShort(milliseconds: Self.wholeMilliseconds(remaining))
        }
        return AuthenticatedSession(principal: known.principal, accessKeyID: accessKeyID, sessionEnd: sessionEnd)
    }

    static func decodeQuery(_ encoded: String) -> [(String, String)] {
        encoded.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
            return (name, value)
        }
    }

    /// `yyyyMMdd'T'HHmmss'Z'`, UTC.
    static func parseAmzDate(_ text: String) -> Date? {
        let digits = Array(text.utf8)
        guard digits.count == 16, digits[8] == UInt8(ascii: "T"), digits[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? { Int(String(decoding: digits[range], as: UTF8.self)) }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
              let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))
    }


    /// A time difference as whole seconds for a refusal, whatever the clock: `Int(_:)` traps on
    /// a value that is not finite or out of range, and a skewed clock can produce either.
    static func wholeSeconds(_ interval: TimeInterval) -> Int {
        guard interval.isFinite else { return interval < 0 ? Int.min : Int.max }
        return Int(max(-1e15, min(1e15, interval)))
    }

    /// The same, in whole milliseconds.
    static func wholeMilliseconds(_ interval: TimeInterval) -> Int {
        guard interval.isFinite else { return interval < 0 ? Int.min : Int.max }
        return Int(max(-1e15, min(1e15, interval * 1000)))
    }
}
