/// The outcome of evaluating one request against an ``IAMPolicy``, as IAM decides it.
public enum IAMPolicyDecision: Sendable, Equatable {
    /// An `Allow` statement matched and no `Deny` statement did. `statement` is the `Sid` of the
    /// first matching `Allow` statement, or `nil` when that statement has no `Sid`.
    case allowed(statement: String?)
    /// No statement matched: IAM denies by default.
    case implicitlyDenied
    /// A `Deny` statement matched; it wins over any `Allow`. `statement` is the `Sid` of the first
    /// matching `Deny` statement, or `nil` when that statement has no `Sid`.
    case explicitlyDenied(statement: String?)

    /// Whether the request may proceed.
    public var isAllowed: Bool {
        if case .allowed = self { true } else { false }
    }
}
