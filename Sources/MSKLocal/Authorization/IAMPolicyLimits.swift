/// The bounds msk-local puts on an IAM policy document before and while parsing it, so that a
/// hostile or mistaken file is refused with an ``IAMPolicyError`` instead of exhausting memory,
/// the stack or the CPU.
///
/// They are generous next to IAM's own quotas (a managed policy holds at most 6,144 characters
/// without whitespace; an ARN at most 2,048).
public enum IAMPolicyLimits {
    /// The largest document accepted, in bytes: 128 KiB.
    public static let maximumDocumentBytes = 128 * 1024
    /// The deepest nesting of JSON objects and arrays accepted. A valid policy nests four deep
    /// (document, `Statement` array, statement, `Action` array); a `Condition` would need six.
    public static let maximumNestingDepth = 16
    /// The most statements one document may hold.
    public static let maximumStatements = 1_000
    /// The longest string accepted for any value (`Sid`, an action, a resource, `Id`), in UTF-8 bytes.
    public static let maximumValueBytes = 2_048
    /// The most characters (Unicode scalars) of any value an error message quotes.
    public static let maximumQuotedCharacters = 128
}
