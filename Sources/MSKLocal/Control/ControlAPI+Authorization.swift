import Foundation

/// The control API's authorization routes:
///
/// | Request | Effect |
/// |---|---|
/// | `PUT /control/policies?role=ARN` (body: an IAM policy) | replaces the policy of a role or user ARN; without `role`, the default policy |
/// | `DELETE /control/policies?role=ARN` | removes it |
/// | `GET /control/policies` | which ARNs have a policy, whether a default is set |
/// | `GET /control/decisions?since=N` | decisions counted by principal, action, resource and outcome, and the denials after sequence number N |
extension ControlAPI {
    struct PolicySummary: Encodable {
        let enforcing: Bool
        let defaultPolicy: Bool
        let arns: [String]
        let clusterARN: String

        enum CodingKeys: String, CodingKey {
            case enforcing, arns
            case defaultPolicy = "default_policy"
            case clusterARN = "cluster_arn"
        }
    }

    struct Decisions: Encodable {
        let decisions: [MSKAuthorizationDecisionCount]
        let denials: [MSKAuthorizationDenial]
        /// The `since` to ask with next time.
        let next: UInt64
    }

    /// Answers `request` if it is one of these routes.
    func handleAuthorization(_ request: LocalHTTPRequest, path: [String]) -> LocalHTTPResponse? {
        switch (request.method, path.first ?? "") {
        case ("GET", "policies"):
            let summary = authorizer.policySummary
            return .json(200, PolicySummary(enforcing: authorizer.isEnforcing, defaultPolicy: summary.defaultPolicy, arns: summary.arns,
                                            clusterARN: authorizer.resources.cluster))
        case ("PUT", "policies"):
            let arn = request.parameters["role"]
            if let arn, let problem = Self.policyARNProblem(arn) { return .json(400, ["error": problem]) }
            do {
                let policy = try IAMPolicy(json: Array(request.body))
                try authorizer.setPolicy(policy, for: arn)
                return .json(200, ["replaced": arn ?? "default"])
            } catch let error as MSKAuthorizer.TooManyPolicies {
                return .json(409, ["error": error.description])
            } catch {
                return .json(400, ["error": "\(error)"])
            }
        case ("DELETE", "policies"):
            let arn = request.parameters["role"]
            if let arn, let problem = Self.policyARNProblem(arn) { return .json(400, ["error": problem]) }
            try? authorizer.setPolicy(nil, for: arn)  // removing never exceeds the bound
            return .json(200, ["removed": arn ?? "default"])
        case ("GET", "decisions"):
            let since = request.parameters["since"].flatMap { UInt64($0) } ?? 0
            let denials = authorizer.denials(since: since)
            return .json(200, Decisions(decisions: authorizer.decisions, denials: denials.denials, next: denials.next))
        default:
            return nil
        }
    }

    /// Why `arn` cannot carry a policy, or `nil`: a role or user ARN of at most 2,048 characters.
    static func policyARNProblem(_ arn: String) -> String? {
        // IAM names and paths: A-Z a-z 0-9 and +=,.@_-/ (no control characters, `%` or `&`).
        let allowed = { (c: Character) in c.isASCII && (c.isLetter || c.isNumber || "+=,.@_-/:".contains(c)) }
        guard arn.utf8.count <= 2_048, arn.hasPrefix("arn:aws:iam::"), arn.contains(":role/") || arn.contains(":user/"), arn.allSatisfy(allowed) else {
            return "role must be an IAM role or user ARN (arn:aws:iam::<account>:role/<name>)"
        }
        return nil
    }
}
