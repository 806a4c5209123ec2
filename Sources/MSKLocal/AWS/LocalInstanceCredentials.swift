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
            return .text(200, sessionTokens.issue(ttl: ttl, now: now))
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

/// IMDSv2 session tokens and their expiry.
final class IMDSSessionTokens: Sendable {
    private let tokens = Mutex<[String: Date]>([:])

    func issue(ttl: Int, now: Date) -> String {
        let token = UUID().uuidString + UUID().uuidString
        tokens.withLock { tokens in
            tokens = tokens.filter { $0.value > now }
            tokens[token] = now.addingTimeInterval(TimeInterval(ttl))
        }
        return token
    }

    func isValid(_ token: String, now: Date) -> Bool {
        tokens.withLock { $0[token].map { $0 > now } ?? false }
    }
}
