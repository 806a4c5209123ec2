/// Why a policy document was refused. Each case names the element at fault, as a path into the
/// document (`Statement[2].Action[0]`; `Statement` alone when the document's `Statement` is a
/// single object), and what is wrong with it.
///
/// Values taken from the document are kept and quoted to at most
/// ``IAMPolicyLimits/maximumQuotedCharacters`` characters (then `…`), so an error never echoes
/// an unbounded input.
public enum IAMPolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The document is larger than ``IAMPolicyLimits/maximumDocumentBytes``.
    case documentTooLarge(bytes: Int, limit: Int)
    /// The document is not valid UTF-8.
    case notUTF8
    /// Objects and arrays nest deeper than ``IAMPolicyLimits/maximumNestingDepth``.
    case nestingTooDeep(limit: Int)
    /// The document is not well-formed JSON; `detail` is the JSON parser's reason, shortened.
    case malformedJSON(detail: String)
    /// The document, or a statement, is not a JSON object.
    case notAnObject(field: String)
    /// An element has the wrong JSON type (a number, boolean, null, object or array where
    /// something else belongs).
    case wrongType(field: String, expected: String)
    /// A required element is absent: `Statement`, `Effect`, `Action`/`NotAction` or `Resource`/`NotResource`.
    case missingElement(field: String, element: String)
    /// An empty string or an empty array where a value is required.
    case emptyValue(field: String)
    /// A string longer than ``IAMPolicyLimits/maximumValueBytes``.
    case valueTooLong(field: String, bytes: Int, limit: Int)
    /// More statements than ``IAMPolicyLimits/maximumStatements``.
    case tooManyStatements(count: Int, limit: Int)
    /// A `Version` other than `2012-10-17` or `2008-10-17`.
    case unsupportedVersion(String)
    /// An `Effect` other than `Allow` or `Deny`.
    case invalidEffect(field: String, value: String)
    /// Both of two elements that exclude each other (`Action` and `NotAction`, `Resource` and `NotResource`).
    case conflictingElements(field: String, first: String, second: String)
    /// A `Condition` element: msk-local does not evaluate conditions, and refuses rather than ignore one.
    case conditionNotSupported(field: String)
    /// A `Principal` or `NotPrincipal` element, which identity policies do not have.
    case principalNotAllowed(field: String, element: String)
    /// An element IAM's policy grammar does not have (a misspelling, usually).
    case unknownElement(field: String, element: String)
    /// An action that is not `*` or `service:Name` (the service prefix is required).
    case invalidAction(field: String, value: String, reason: String)
    /// A resource that is neither `*` nor an ARN (`arn:...`).
    case invalidResource(field: String, value: String)
    /// A `Sid` with characters other than ASCII letters and digits.
    case invalidSid(field: String, value: String)
    /// A `Sid` already used by an earlier statement; IAM requires them to be unique.
    case duplicateSid(field: String, value: String)

    public var description: String {
        switch self {
        case .documentTooLarge(let bytes, let limit):
            "the policy document is \(bytes) bytes; msk-local accepts at most \(limit)"
        case .notUTF8:
            "the policy document is not valid UTF-8"
        case .nestingTooDeep(let limit):
            "the policy document nests objects and arrays more than \(limit) deep"
        case .malformedJSON(let detail):
            "the policy document is not valid JSON: \(Self.quoted(detail))"
        case .notAnObject(let field):
            "\(field) must be a JSON object"
        case .wrongType(let field, let expected):
            "\(field) must be \(expected)"
        case .missingElement(let field, let element):
            "\(field) has no \(element)"
        case .emptyValue(let field):
            "\(field) is empty"
        case .valueTooLong(let field, let bytes, let limit):
            "\(field) is \(bytes) bytes long; msk-local accepts at most \(limit)"
        case .tooManyStatements(let count, let limit):
            "the policy has \(count) statements; msk-local accepts at most \(limit)"
        case .unsupportedVersion(let value):
            "Version \(Self.quoted(value)) is not a policy language version: use \"2012-10-17\" (or \"2008-10-17\")"
        case .invalidEffect(let field, let value):
            "\(field) is \(Self.quoted(value)); it must be \"Allow\" or \"Deny\""
        case .conflictingElements(let field, let first, let second):
            "\(field) has both \(first) and \(second); a statement takes exactly one of them"
        case .conditionNotSupported(let field):
            "\(field) has a Condition: conditions are not supported by msk-local (remove it, or write the statement without one)"
        case .principalNotAllowed(let field, let element):
            "\(field) has a \(Self.quoted(element)) element: an identity policy applies to the principal it is attached to and names none"
        case .unknownElement(let field, let element):
            "\(field) has an unknown element \(Self.quoted(element))"
        case .invalidAction(let field, let value, let reason):
            "\(field) \(Self.quoted(value)) is not an action: \(reason)"
        case .invalidResource(let field, let value):
            "\(field) \(Self.quoted(value)) is not a resource: it must be \"*\" or an ARN (\"arn:...\")"
        case .invalidSid(let field, let value):
            "\(field) \(Self.quoted(value)) may hold only ASCII letters and digits"
        case .duplicateSid(let field, let value):
            "\(field) \(Self.quoted(value)) is used by an earlier statement; a Sid must be unique in the policy"
        }
    }

    /// At most ``IAMPolicyLimits/maximumQuotedCharacters`` Unicode scalars of `value`, followed
    /// by `…` when it was longer. The parser stores values this way; `description` applies it again.
    static func excerpt(_ value: String) -> String {
        var scalars = value.unicodeScalars.makeIterator()
        var kept = String.UnicodeScalarView()
        var count = 0
        while count < IAMPolicyLimits.maximumQuotedCharacters, let scalar = scalars.next() {
            kept.append(scalar)
            count += 1
        }
        return scalars.next() == nil ? String(kept) : String(kept) + "…"
    }

    /// `value`, shortened by ``excerpt(_:)``, in double quotes with quotes, backslashes and
    /// control characters escaped.
    static func quoted(_ value: String) -> String {
        String(reflecting: excerpt(value))
    }
}
