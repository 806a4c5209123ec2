/// A parsed IAM identity policy document: the statements IAM evaluates for a principal's request.
///
/// The supported grammar is that of an identity policy without conditions: an optional
/// `Version` (`"2012-10-17"` or `"2008-10-17"`), an optional `Id`, and a `Statement` that is one
/// statement object or a non-empty array of them. Each statement has an optional `Sid` (ASCII
/// letters and digits, unique in the document), an `Effect` of `"Allow"` or `"Deny"`, exactly
/// one of `Action`/`NotAction` and exactly one of `Resource`/`NotResource`, each a string or a
/// non-empty array of strings. `Condition`, `Principal` and `NotPrincipal` are refused.
///
/// Actions (`kafka-cluster:WriteData`, `kafka-cluster:*`, `*`) match ignoring case; resources
/// (`arn:aws:kafka:us-east-1:111122223333:topic/my-cluster/abcd-1234/orders*`) match with case.
/// Both take the wildcards `*` (any run of characters, including none) and `?` (exactly one
/// character). A resource pattern is matched against the whole ARN, so a `*` may span the
/// colons between ARN segments.
///
/// ```swift
/// let policy = try IAMPolicy(json: Array(document.utf8))
/// let decision = policy.evaluate(action: "kafka-cluster:WriteData", resource: topicARN)
/// if !decision.isAllowed { ... }
/// ```
public struct IAMPolicy: Sendable, Equatable {
    let statements: [IAMPolicyStatement]

    init(statements: [IAMPolicyStatement]) {
        self.statements = statements
    }

    /// Parses a policy document (UTF-8 JSON bytes).
    ///
    /// The document is bounded by ``IAMPolicyLimits`` and checked before anything is evaluated;
    /// nothing in it can crash or stall the parser.
    /// - Throws: ``IAMPolicyError`` naming the element (`Statement[2].Action[0]`, for example)
    ///   and what is wrong with it.
    public init(json: [UInt8]) throws(IAMPolicyError) {
        self.statements = try IAMPolicyDocumentParser.parse(json)
    }

    /// A policy that allows every action on every resource: msk-local's behaviour when it runs
    /// without `--policy`.
    public static let allowAll = IAMPolicy(statements: [
        IAMPolicyStatement(
            sid: nil, effect: .allow,
            actions: .init(patterns: [IAMWildcardPattern("*", ignoringCase: true)], negated: false),
            resources: .init(patterns: [IAMWildcardPattern("*", ignoringCase: false)], negated: false))
    ])

    /// Evaluates one request the way IAM evaluates an identity policy: a matching `Deny`
    /// statement wins; otherwise a matching `Allow` statement allows; otherwise the request is
    /// implicitly denied.
    /// - Parameters:
    ///   - action: The action requested, `service:Name` (`kafka-cluster:ReadData`).
    ///   - resource: The ARN of the resource the action is on.
    /// - Returns: The decision, with the `Sid` of the statement that decided it when it has one.
    public func evaluate(action: String, resource: String) -> IAMPolicyDecision {
        let action = Array(action.unicodeScalars)
        let resource = Array(resource.unicodeScalars)
        var firstAllow: IAMPolicyStatement?
        for statement in statements where statement.applies(toAction: action, resource: resource) {
            switch statement.effect {
            case .deny: return .explicitlyDenied(statement: statement.sid)
            case .allow: if firstAllow == nil { firstAllow = statement }
            }
        }
        if let firstAllow { return .allowed(statement: firstAllow.sid) }
        return .implicitlyDenied
    }
}
