import AWSAuth
import Foundation

/// msk-local's STS: `AssumeRole`, `AssumeRoleWithWebIdentity` and `GetCallerIdentity`, with
/// AWS's XML shapes and error codes. Signed calls are verified against the registry.
struct LocalSTS: Sendable {
    /// The roles `AssumeRole*` may assume.
    let roleARNs: [String]
    /// The smallest `DurationSeconds` accepted (AWS: 900).
    let minimumDuration: Int
    /// Issued credentials never live longer than this, whatever was asked (for fast rotation
    /// with clients that cannot ask for less than 900 s).
    let maximumLifetime: Int?
    let registry: CredentialRegistry
    /// The only issuer whose web identity tokens `AssumeRoleWithWebIdentity` accepts.
    let oidc: LocalOIDCIssuer
    let faults: MSKLocalFaults
    let counters: MSKLocalCounters

    static let actions: Set<String> = ["AssumeRole", "AssumeRoleWithWebIdentity", "GetCallerIdentity"]

    func handle(_ request: LocalHTTPRequest) -> LocalHTTPResponse {
        let parameters = request.parameters
        let action = parameters["Action"] ?? ""
        let requestID = UUID().uuidString.lowercased()
        // Counted under the action's name only when it is one STS has: the key must not be
        // whatever a caller chooses (every distinct string would be kept forever).
        let counted = Self.actions.contains(action) ? action : (action.isEmpty ? "(none)" : "(other)")
        counters.update { $0.stsCalls[counted, default: 0] += 1 }
        let now = faults.now()

        if let (fault, down) = faults.takeSTSFault(now: now) {
            counters.update { $0.stsFailures["fault_\(down ? "down" : fault.rawValue)", default: 0] += 1 }
            switch fault {
            case .internalError:
                let status = down ? 503 : 500
                return .text(status, STSXML.error(type: "Receiver", code: down ? "ServiceUnavailable" : "InternalFailure", message: "injected fault", requestID: requestID), contentType: "text/xml")
            case .throttling:
                return .text(400, STSXML.error(code: "Throttling", message: "Rate exceeded", requestID: requestID), contentType: "text/xml")
            case .hang:
                return .hang(.seconds(60))
            case .malformed:
                return .text(200, "<AssumeRoleResponse><AssumeRoleResult><Credentials>", contentType: "text/xml")
            }
        }

        func refuse(_ status: Int, _ code: String, _ message: String) -> LocalHTTPResponse {
            counters.update { $0.stsFailures[code, default: 0] += 1 }
            return .text(status, STSXML.error(code: code, message: message, requestID: requestID), contentType: "text/xml")
        }

        switch action {
        case "AssumeRole":
            let caller: IssuedCredentials
            switch SigV4RequestVerifier(registry: registry, service: "sts").verify(request, now: now) {
            case .failure(let refusal): return refuse(403, refusal.code, refusal.message)
            case .success(let verified): caller = verified
            }
            return assume(parameters, caller: caller.principal, action: action, now: now, requestID: requestID, refuse: refuse)
        case "AssumeRoleWithWebIdentity":
            guard let token = parameters["WebIdentityToken"], (4...20_000).contains(token.utf8.count) else {
                return refuse(400, "ValidationError", "WebIdentityToken must be 4 to 20000 characters")
            }
            let subject: String
            switch oidc.verify(token, now: now) {
            case .failure(let rejection): return refuse(400, rejection.code, rejection.description)
            case .success(let verified): subject = verified
            }
            counters.webIdentityTokenSeen(token)
            return assume(parameters, caller: "web identity \(subject)", action: action, now: now, requestID: requestID, refuse: refuse,
                          webIdentitySubject: subject)
        case "GetCallerIdentity":
            switch SigV4RequestVerifier(registry: registry, service: "sts").verify(request, now: now) {
            case .failure(let refusal):
                return refuse(403, refusal.code, refusal.message)
            case .success(let caller):
                let body = "<Arn>\(STSXML.escape(caller.principal))</Arn><UserId>\(STSXML.escape(Self.userID(of: caller.principal)))</UserId><Account>\(CredentialRegistry.accountID)</Account>"
                return .text(200, STSXML.result(action: action, body: body, requestID: requestID), contentType: "text/xml")
            }
        default:
            return refuse(400, "InvalidAction", "Could not find operation \(MSKTokenRejection.quote(action)) for version 2011-06-15")
        }
    }

    /// The `UserId` STS gives a principal: an assumed role's is the role's unique id and the
    /// session name (`AROA…:session`, matching ``assume``'s `AssumedRoleId`), a user's its own
    /// unique id (`AIDA…`), the account root's the account id. Never the access key id, which
    /// AWS does not return here.
    static func userID(of principal: String) -> String {
        let resource = principal.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false).last.map(String.init) ?? principal
        let parts = resource.split(separator: "/", omittingEmptySubsequences: false)
        switch parts.first {
        case "assumed-role" where parts.count >= 3: return "AROAMSKLOCAL:" + parts[2...].joined(separator: "/")
        case "user": return "AIDAMSKLOCAL" + String(parts.last.map { $0.uppercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber) } }?.prefix(16) ?? "")
        default: return CredentialRegistry.accountID
        }
    }

    private func assume(_ parameters: [String: String], caller: String, action: String, now: Date, requestID: String, refuse: (Int, String, String) -> LocalHTTPResponse,
                        webIdentitySubject: String? = nil) -> LocalHTTPResponse {
        guard let roleARN = parameters["RoleArn"], !roleARN.isEmpty else {
            return refuse(400, "ValidationError", "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null")
        }
        guard let sessionName = parameters["RoleSessionName"], (2...64).contains(sessionName.count),
              sessionName.allSatisfy({ $0.isLetter || $0.isNumber || "+=,.@-_".contains($0) }) else {
            return refuse(400, "ValidationError", "RoleSessionName must be 2 to 64 characters of [\\w+=,.@-]")
        }
        var duration = 3600
        if let text = parameters["DurationSeconds"] {
            guard let value = Int(text), (minimumDuration...43_200).contains(value) else {
                return refuse(400, "ValidationError", "DurationSeconds '\(text)' is outside \(minimumDuration)...43200")
            }
            duration = value
        }
        guard roleARNs.contains(roleARN), let roleName = roleARN.split(separator: "/").last else {
            return refuse(403, "AccessDenied", "User: \(caller) is not authorized to perform: sts:\(action) on resource: \(MSKTokenRejection.quote(roleARN))")
        }
        if let maximumLifetime { duration = min(duration, maximumLifetime) }
        let principal = "arn:aws:sts::\(CredentialRegistry.accountID):assumed-role/\(roleName)/\(sessionName)"
        let issued = registry.issue(principal: principal, lifetime: TimeInterval(duration), now: now)
        var body = STSXML.credentials(issued)
        body += "<AssumedRoleUser><AssumedRoleId>AROAMSKLOCAL:\(STSXML.escape(sessionName))</AssumedRoleId><Arn>\(STSXML.escape(principal))</Arn></AssumedRoleUser>"
        if let webIdentitySubject {
            body += "<SubjectFromWebIdentityToken>\(STSXML.escape(webIdentitySubject))</SubjectFromWebIdentityToken>"
            body += "<Provider>\(STSXML.escape(oidc.issuer))</Provider><Audience>\(STSXML.escape(oidc.audience))</Audience>"
        }
        return .text(200, STSXML.result(action: action, body: body, requestID: requestID), contentType: "text/xml")
    }
}
