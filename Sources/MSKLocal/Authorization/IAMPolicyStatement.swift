/// One parsed statement of an ``IAMPolicy``.
struct IAMPolicyStatement: Sendable, Equatable {
    enum Effect: String, Sendable, Equatable {
        case allow = "Allow"
        case deny = "Deny"
    }

    /// A statement's `Action`/`NotAction` or `Resource`/`NotResource`: a list of patterns that
    /// either names what the statement covers or, negated, what it does not.
    struct Selector: Sendable, Equatable {
        let patterns: [IAMWildcardPattern]
        /// `true` for `NotAction`/`NotResource`: the statement covers everything not listed.
        let negated: Bool

        func covers(_ value: [Unicode.Scalar]) -> Bool {
            patterns.contains { $0.matches(value) } != negated
        }
    }

    let sid: String?
    let effect: Effect
    /// Patterns matched ignoring ASCII case.
    let actions: Selector
    /// Patterns matched case-sensitively.
    let resources: Selector

    /// Whether the statement covers the action and the resource (given as Unicode scalars).
    func applies(toAction action: [Unicode.Scalar], resource: [Unicode.Scalar]) -> Bool {
        actions.covers(action) && resources.covers(resource)
    }
}
