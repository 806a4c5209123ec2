import Foundation
import Synchronization

/// MSK's IAM authorization: every request a principal makes is checked against the IAM policy
/// attached to it, action by action, resource by resource.
///
/// Policies attach to an IAM role (every session of the role, whoever assumed it and however:
/// STS, IMDS, ECS) or to a user ARN; a default policy applies to every principal without one.
/// With no policy at all, nothing is checked and everything is allowed, as msk-local always
/// did; once any policy is in force, a principal with no policy of its own and no default is
/// denied everything, as IAM denies what no policy allows.
public final class MSKAuthorizer: Sendable {
    /// The cluster's resource names.
    public let resources: MSKResources

    private struct State {
        var defaultPolicy: IAMPolicy?
        var policies: [String: IAMPolicy] = [:]
        var decisions: [MSKAuthorizationDecisionKey: Int] = [:]
        var denials = MSKAuthorizationDenialLog()
    }

    private let state: Mutex<State>
    /// Read on every request without taking the lock: whether any policy is in force.
    private let enforcing: Atomic<Bool>

    /// The most distinct (principal, action, resource, outcome) keys counted; the rest are
    /// counted under `(other)` so that clients naming topics cannot grow the counters forever.
    public static let maximumDecisionKeys = 4_096

    /// Creates an authorizer with a default policy (or none) and policies by role or user ARN.
    public init(resources: MSKResources, defaultPolicy: IAMPolicy? = nil, policies: [String: IAMPolicy] = [:]) {
        self.resources = resources
        self.state = Mutex(State(defaultPolicy: defaultPolicy, policies: policies))
        self.enforcing = Atomic(defaultPolicy != nil || !policies.isEmpty)
    }

    /// Whether requests are checked at all.
    public var isEnforcing: Bool { enforcing.load(ordering: .relaxed) }

    /// The most ARNs that may have a policy of their own: a bound on what the control API can
    /// make msk-local hold, far above any test's needs.
    public static let maximumPolicies = 1_000

    /// A policy for one more ARN would exceed ``MSKAuthorizer/maximumPolicies``.
    public struct TooManyPolicies: Error, Sendable, Equatable, CustomStringConvertible {
        public let limit: Int
        public var description: String {
            "msk-local holds policies for at most \(limit) role or user ARNs; remove one (DELETE /control/policies?role=ARN) first"
        }
    }

    /// Replaces the policy of `arn` (a role or user ARN), or the default policy when `arn` is
    /// `nil`; `policy` `nil` removes it.
    /// - Throws: ``TooManyPolicies`` when `arn` has no policy yet and ``maximumPolicies`` ARNs do.
    public func setPolicy(_ policy: IAMPolicy?, for arn: String?) throws(TooManyPolicies) {
        try state.withLock { state throws(TooManyPolicies) in
            if let arn {
                if policy != nil, state.policies[arn] == nil, state.policies.count >= Self.maximumPolicies {
                    throw TooManyPolicies(limit: Self.maximumPolicies)
                }
                state.policies[arn] = policy
            } else {
                state.defaultPolicy = policy
            }
            enforcing.store(state.defaultPolicy != nil || !state.policies.isEmpty, ordering: .relaxed)
        }
    }

    /// The ARNs that have a policy of their own, and whether a default is set.
    public var policySummary: (defaultPolicy: Bool, arns: [String]) {
        state.withLock { ($0.defaultPolicy != nil, $0.policies.keys.sorted()) }
    }

    /// The key a principal's policy is found under: the role of an assumed-role session
    /// (`arn:aws:sts::<account>:assumed-role/<role>/<session>` → `arn:aws:iam::<account>:role/<role>`),
    /// otherwise the principal ARN itself.
    public static func policyARN(of principal: String) -> String {
        let parts = principal.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[2] == "sts", parts[5].hasPrefix("assumed-role/") else { return principal }
        let path = parts[5].dropFirst("assumed-role/".count)
        guard let role = path.split(separator: "/", omittingEmptySubsequences: false).first, !role.isEmpty else { return principal }
        return "arn:aws:iam::\(parts[4]):role/\(role)"
    }

    /// Whether `principal` may do `action` on `resource`; counted, and remembered when denied.
    public func authorize(principal: String, action: MSKAction, resource: String, now: Date = Date()) -> Bool {
        guard isEnforcing else { return true }
        return state.withLock { state in
            let policy = state.policies[Self.policyARN(of: principal)] ?? state.defaultPolicy
            let decision = policy?.evaluate(action: action.rawValue, resource: resource) ?? .implicitlyDenied
            var key = MSKAuthorizationDecisionKey(principal: principal, action: action.rawValue, resource: resource, allowed: decision.isAllowed)
            if state.decisions[key] == nil, state.decisions.count >= Self.maximumDecisionKeys {
                key = MSKAuthorizationDecisionKey(principal: "(other)", action: "(other)", resource: "(other)", allowed: decision.isAllowed)
            }
            state.decisions[key, default: 0] += 1
            if !decision.isAllowed {
                state.denials.append(principal: principal, action: action.rawValue, resource: resource, decision: decision, at: now)
            }
            return decision.isAllowed
        }
    }

    /// Decisions counted so far.
    public var decisions: [MSKAuthorizationDecisionCount] {
        state.withLock { state in
            state.decisions.map { MSKAuthorizationDecisionCount(principal: $0.key.principal, action: $0.key.action, resource: $0.key.resource,
                                                                 outcome: $0.key.allowed ? "allowed" : "denied", count: $0.value) }
                .sorted { ($0.principal, $0.action, $0.resource, $0.outcome) < ($1.principal, $1.action, $1.resource, $1.outcome) }
        }
    }

    /// Denials after sequence number `since` (0: all kept), oldest first, and the sequence
    /// number to ask from next time.
    public func denials(since: UInt64) -> (denials: [MSKAuthorizationDenial], next: UInt64) {
        state.withLock { ($0.denials.entries(after: since), $0.denials.lastSequence) }
    }
}

struct MSKAuthorizationDecisionKey: Hashable {
    let principal: String
    let action: String
    let resource: String
    let allowed: Bool
}

/// How many times one principal was allowed or denied one action on one resource.
public struct MSKAuthorizationDecisionCount: Sendable, Codable, Equatable {
    public let principal: String
    public let action: String
    public let resource: String
    /// `allowed` or `denied`.
    public let outcome: String
    public let count: Int
}
