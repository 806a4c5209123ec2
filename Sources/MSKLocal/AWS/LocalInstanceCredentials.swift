import Foundation
import Synchronization

/// msk-local's IMDSv2 (`/latest/...`) and ECS container (`/ecs/credentials`) credential
/// endpoints. Both hand out temporary credentials of one role from the shared registry, fresh
/// on every call, so that every refresh is a rotation.
struct LocalInstanceCredentials: Sendable {
    /// The role name IMDS lists and whose credentials both endpoints serve.
    let roleName: String
    /// Lifetime of the credentials handed out.
    let lifetime: Int
    /// The `Authorization` value the ECS endpoint requires (`nil`: none).
    let containerAuthorizationToken: String?
    let registry: CredentialRegistry
    let faults: MSKLocalFaults
    let counters: MSKLocalCounters
    let sessionTokens: IMDSSessionTokens

    private var principal: String { "arn:aws:sts::\(CredentialRegistry.accountID):assumed-role/\(roleName)/i-0msklocal" }

    func imds(_ request: LocalHTTPRequest) -> LocalHTTPResponse {
        let now = faults.now()
        if request.path == "/latest/api/token" {
            guard request.method == "PUT" else { return .text(405, "") }
            guard let ttlText = request.headers["x-aws-ec2-metadata-token-ttl-seconds"], let ttl = Int(ttlText), (1...21_600).contains(ttl) else {
                return .text(400, "")
            }
            guard let token = sessionTokens.issue(ttl: ttl, now: now) else {
                return .text(429, "too many live IMDS session tokens (\(IMDSSessionTokens.maximumLive)); let some expire")
            }
            return .text(200, token)
        }
        guard request.method == "GET" else { return .text(405, "") }
        guard let token = request.headers["x-aws-ec2-metadata-token"], sessionTokens.isValid(token, now: now) else {
            return .text(401, "")
        }
        let prefix = "/latest/meta-data/iam/security-credentials/"
        if request.path == prefix || request.path == String(prefix.dropLast()) {
            return .text(200, roleName)
        }
        guard request.path == prefix + roleName else { return .text(404, "") }
        counters.update { $0.imdsCredentialRequests += 1 }
        return document(now: now, includeCode: true)
    }

    func container(_ request: LocalHTTPRequest) -> LocalHTTPResponse {
        if let required = containerAuthorizationToken, request.headers["authorization"] != required {
            return .json(401, ["Code": "Unauthorized", "Message": "the Authorization header does not match"])
        }
        counters.update { $0.ecsCredentialRequests += 1 }
        return document(now: faults.now(), includeCode: false)
    }

    private func document(now: Date, includeCode: Bool) -> LocalHTTPResponse {
        let issued = registry.issue(principal: principal, lifetime: TimeInterval(lifetime), now: now)
        var fields = [
            "AccessKeyId": issued.credentials.accessKeyID,
            "SecretAccessKey": issued.credentials.secretAccessKey,
            "Token": issued.credentials.sessionToken ?? "",
            "Expiration": STSXML.iso8601(issued.credentials.expiration ?? now),
        ]
        if includeCode {
            fields["Code"] = "Success"
            fields["Type"] = "AWS-HMAC"
            fields["LastUpdated"] = STSXML.iso8601(now)
        } else {
            fields["RoleArn"] = "arn:aws:iam::\(CredentialRegistry.accountID):role/\(roleName)"
        }
        return .json(200, fields)
    }
}

/// IMDSv2 session tokens and their expiry. Anyone on loopback can ask for tokens, so what is
/// kept is bounded: expired tokens are swept as new ones are issued (amortised), and past
/// ``maximumLive`` unexpired tokens a request for another is refused, as IMDS throttles.
final class IMDSSessionTokens: Sendable {
    static let maximumLive = 10_000

    private let tokens = Mutex(ExpiringEntries<Void>())

    /// A new token, or `nil` when ``maximumLive`` tokens are live already.
    func issue(ttl: Int, now: Date) -> String? {
        let token = UUID().uuidString + UUID().uuidString
        return tokens.withLock { tokens in
            if tokens.count >= Self.maximumLive { tokens.sweep(before: now) }
            guard tokens.count < Self.maximumLive else { return nil }
            tokens.insert((), for: token, expiry: now.addingTimeInterval(TimeInterval(ttl)), sweepBefore: now)
            return token
        }
    }

    func isValid(_ token: String, now: Date) -> Bool {
        tokens.withLock { $0[token].map { $0.expiry > now } ?? false }
    }
}
