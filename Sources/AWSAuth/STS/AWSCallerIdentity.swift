/// Who a set of credentials belongs to, as STS `GetCallerIdentity` reports it.
///
/// None of it is secret: the ARN names the principal (for an assumed role,
/// `arn:aws:sts::<account>:assumed-role/<role>/<session>`, which is also the principal MSK
/// authorizes), the account is the 12-digit account id and the user id is the principal's
/// unique id (`AROA…:<session>` for a role session).
public struct AWSCallerIdentity: Sendable, Hashable, CustomStringConvertible {
    /// The principal's ARN.
    public let arn: String
    /// The 12-digit AWS account id.
    public let account: String
    /// The principal's unique id.
    public let userID: String

    /// Creates an identity from its parts.
    public init(arn: String, account: String, userID: String) {
        self.arn = arn
        self.account = account
        self.userID = userID
    }

    /// The ARN.
    public var description: String { arn }

    /// Longest ARN IAM allows.
    static let maximumARNLength = 2048
    /// Longest user id read (a role session's is `AROA…:` plus up to 64 characters).
    static let maximumUserIDLength = 256
}

extension STSResponse {
    /// The identity in a `GetCallerIdentityResult`, checked field by field; a field that is
    /// missing or not what AWS sends is reported by name, never quoted at length.
    func callerIdentity(status: Int) throws(STSError) -> AWSCallerIdentity {
        let action = "GetCallerIdentity"
        func field(_ name: String, _ isWellFormed: (String) -> Bool, expected: String) throws(STSError) -> String {
            guard let value = fields[name], !value.isEmpty else {
                throw .malformedResponse(action: action, status: status, reason: "missing <\(name)>")
            }
            guard isWellFormed(value) else {
                throw .malformedResponse(action: action, status: status, reason: "<\(name)> is not \(expected) (\(value.utf8.count) bytes)")
            }
            return value
        }
        func printable(_ value: String, max: Int) -> Bool {
            value.utf8.count <= max && value.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F }
        }
        let arn = try field("Arn", { $0.hasPrefix("arn:") && printable($0, max: AWSCallerIdentity.maximumARNLength) }, expected: "an ARN")
        let account = try field("Account", { $0.utf8.count == 12 && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }, expected: "a 12-digit account id")
        let userID = try field("UserId", { printable($0, max: AWSCallerIdentity.maximumUserIDLength) }, expected: "a user id")
        return AWSCallerIdentity(arn: arn, account: account, userID: userID)
    }
}
