import Foundation
import MSKLocal
import Testing

/// The IAM identity-policy engine msk-local authorizes Kafka requests with: IAM's evaluation
/// (explicit Deny wins, then any Allow, else implicit deny), its wildcards, and a parser that
/// refuses every malformed or hostile document with an `IAMPolicyError` naming what is wrong.
@Suite(.timeLimit(.minutes(1)))
struct IAMPolicyTests {
    static let cluster = "arn:aws:kafka:us-east-1:111122223333:cluster/my-cluster/abcd-1234"
    static func topic(_ name: String) -> String { "arn:aws:kafka:us-east-1:111122223333:topic/my-cluster/abcd-1234/\(name)" }
    static func group(_ name: String) -> String { "arn:aws:kafka:us-east-1:111122223333:group/my-cluster/abcd-1234/\(name)" }

    static func policy(_ json: String) throws -> IAMPolicy {
        try IAMPolicy(json: Array(json.utf8))
    }

    /// The error parsing `json` throws, or `nil` when it parses.
    static func parseError(_ json: String) -> IAMPolicyError? {
        parseError(Array(json.utf8))
    }

    static func parseError(_ bytes: [UInt8]) -> IAMPolicyError? {
        do {
            _ = try IAMPolicy(json: bytes)
            return nil
        } catch {
            return error
        }
    }

    // MARK: - Evaluation

    static let producerAndConsumer = """
        {
          "Version": "2012-10-17",
          "Id": "orders-app",
          "Statement": [
            {"Sid": "Connect", "Effect": "Allow", "Action": ["kafka-cluster:Connect", "kafka-cluster:WriteDataIdempotently"],
             "Resource": "\(cluster)"},
            {"Sid": "WriteOrders", "Effect": "Allow", "Action": ["kafka-cluster:WriteData", "kafka-cluster:Describe*"],
             "Resource": "\(topic("orders*"))"},
            {"Sid": "ReadByMonth", "Effect": "Allow", "Action": "kafka-cluster:ReadData",
             "Resource": ["\(topic("metrics-2024-0?"))", "\(topic("metrics-2024-1?"))"]},
            {"Effect": "Allow", "Action": "kafka-cluster:*Group", "Resource": "\(group("*"))"},
            {"Sid": "NoSecrets", "Effect": "Deny", "Action": "kafka-cluster:*", "Resource": "\(topic("orders-secret*"))"},
            {"Sid": "NoAudit", "Effect": "Deny", "Action": "kafka-cluster:WriteData", "Resource": "\(topic("orders-audit"))"}
          ]
        }
        """

    struct Case: CustomTestStringConvertible, Sendable {
        let action: String
        let resource: String
        let expected: IAMPolicyDecision
        var testDescription: String { "\(action) on \(resource.split(separator: ":").last ?? "")" }
    }

    static let evaluationCases: [Case] = [
        // Allow, with the Sid of the statement that allowed.
        Case(action: "kafka-cluster:Connect", resource: cluster, expected: .allowed(statement: "Connect")),
        Case(action: "kafka-cluster:WriteDataIdempotently", resource: cluster, expected: .allowed(statement: "Connect")),
        Case(action: "kafka-cluster:WriteData", resource: topic("orders"), expected: .allowed(statement: "WriteOrders")),
        // `*` matches none or many characters.
        Case(action: "kafka-cluster:WriteData", resource: topic("orders-eu/x"), expected: .allowed(statement: "WriteOrders")),
        Case(action: "kafka-cluster:DescribeTopic", resource: topic("orders-eu"), expected: .allowed(statement: "WriteOrders")),
        Case(action: "kafka-cluster:DescribeTopicDynamicConfiguration", resource: topic("orders"), expected: .allowed(statement: "WriteOrders")),
        // Actions ignore case, resources do not.
        Case(action: "KAFKA-CLUSTER:writedata", resource: topic("orders"), expected: .allowed(statement: "WriteOrders")),
        Case(action: "kafka-cluster:WriteData", resource: topic("Orders"), expected: .implicitlyDenied),
        Case(action: "kafka-cluster:WriteData", resource: cluster.uppercased(), expected: .implicitlyDenied),
        // `?` is exactly one character.
        Case(action: "kafka-cluster:ReadData", resource: topic("metrics-2024-07"), expected: .allowed(statement: "ReadByMonth")),
        Case(action: "kafka-cluster:ReadData", resource: topic("metrics-2024-12"), expected: .allowed(statement: "ReadByMonth")),
        Case(action: "kafka-cluster:ReadData", resource: topic("metrics-2024-1"), expected: .implicitlyDenied),
        Case(action: "kafka-cluster:ReadData", resource: topic("metrics-2024-123"), expected: .implicitlyDenied),
        // A statement without Sid.
        Case(action: "kafka-cluster:AlterGroup", resource: group("billing"), expected: .allowed(statement: nil)),
        Case(action: "kafka-cluster:describegroup", resource: group("billing"), expected: .allowed(statement: nil)),
        // Explicit Deny wins over Allow, whatever the statements' order.
        Case(action: "kafka-cluster:WriteData", resource: topic("orders-secret"), expected: .explicitlyDenied(statement: "NoSecrets")),
        Case(action: "kafka-cluster:DescribeTopic", resource: topic("orders-secret-2"), expected: .explicitlyDenied(statement: "NoSecrets")),
        Case(action: "kafka-cluster:WriteData", resource: topic("orders-audit"), expected: .explicitlyDenied(statement: "NoAudit")),
        Case(action: "kafka-cluster:DescribeTopic", resource: topic("orders-audit"), expected: .allowed(statement: "WriteOrders")),
        // Implicit deny: nothing matched.
        Case(action: "kafka-cluster:ReadData", resource: topic("orders"), expected: .implicitlyDenied),
        Case(action: "kafka-cluster:CreateTopic", resource: cluster, expected: .implicitlyDenied),
        Case(action: "kafka:WriteData", resource: topic("orders"), expected: .implicitlyDenied),
        Case(action: "kafka-cluster:AlterGroup", resource: topic("billing"), expected: .implicitlyDenied),
        Case(action: "", resource: "", expected: .implicitlyDenied),
    ]

    @Test(arguments: evaluationCases)
    func evaluatesLikeIAM(_ testCase: Case) throws {
        let policy = try Self.policy(Self.producerAndConsumer)
        let decision = policy.evaluate(action: testCase.action, resource: testCase.resource)
        #expect(decision == testCase.expected)
        if case .allowed = testCase.expected {
            #expect(decision.isAllowed)
        } else {
            #expect(!decision.isAllowed)
        }
    }

    @Test func denyWinsEvenWhenItComesAfterAndTheFirstMatchingAllowIsReported() throws {
        let policy = try Self.policy("""
            {"Statement": [
              {"Sid": "First", "Effect": "Allow", "Action": "*", "Resource": "*"},
              {"Sid": "Second", "Effect": "Allow", "Action": "kafka-cluster:ReadData", "Resource": "*"},
              {"Effect": "Deny", "Action": "kafka-cluster:ReadData", "Resource": "\(Self.topic("private"))"}
            ]}
            """)
        #expect(policy.evaluate(action: "kafka-cluster:ReadData", resource: Self.topic("public")) == .allowed(statement: "First"))
        #expect(policy.evaluate(action: "kafka-cluster:ReadData", resource: Self.topic("private")) == .explicitlyDenied(statement: nil))
        #expect(policy.evaluate(action: "kafka-cluster:WriteData", resource: Self.topic("private")) == .allowed(statement: "First"))
    }

    @Test func notActionCoversEveryActionNotListed() throws {
        let policy = try Self.policy("""
            {"Version": "2008-10-17", "Statement": {"Sid": "AllButAdmin", "Effect": "Allow",
              "NotAction": ["kafka-cluster:Alter*", "kafka-cluster:Delete*"], "Resource": "*"}}
            """)
        #expect(policy.evaluate(action: "kafka-cluster:ReadData", resource: Self.cluster) == .allowed(statement: "AllButAdmin"))
        #expect(policy.evaluate(action: "s3:GetObject", resource: "arn:aws:s3:::bucket/key") == .allowed(statement: "AllButAdmin"))
        #expect(policy.evaluate(action: "kafka-cluster:AlterGroup", resource: Self.group("g")) == .implicitlyDenied)
        #expect(policy.evaluate(action: "KAFKA-CLUSTER:deletetopic", resource: Self.topic("t")) == .implicitlyDenied)

        let deny = try Self.policy("""
            {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"},
              {"Sid": "OnlyRead", "Effect": "Deny", "NotAction": ["kafka-cluster:Connect", "kafka-cluster:ReadData"], "Resource": "*"}]}
            """)
        #expect(deny.evaluate(action: "kafka-cluster:ReadData", resource: Self.topic("t")).isAllowed)
        #expect(deny.evaluate(action: "kafka-cluster:WriteData", resource: Self.topic("t")) == .explicitlyDenied(statement: "OnlyRead"))
    }

    @Test func notResourceCoversEveryResourceNotListed() throws {
        let policy = try Self.policy("""
            {"Statement": [
              {"Sid": "Everything", "Effect": "Allow", "Action": "kafka-cluster:*", "Resource": "*"},
              {"Sid": "OnlyPayments", "Effect": "Deny", "Action": "kafka-cluster:WriteData",
               "NotResource": ["\(Self.topic("payments"))", "\(Self.topic("payments-*"))"]}
            ]}
            """)
        #expect(policy.evaluate(action: "kafka-cluster:WriteData", resource: Self.topic("payments")) == .allowed(statement: "Everything"))
        #expect(policy.evaluate(action: "kafka-cluster:WriteData", resource: Self.topic("payments-eu")) == .allowed(statement: "Everything"))
        #expect(policy.evaluate(action: "kafka-cluster:WriteData", resource: Self.topic("orders")) == .explicitlyDenied(statement: "OnlyPayments"))
        #expect(policy.evaluate(action: "kafka-cluster:WriteData", resource: Self.topic("PAYMENTS")) == .explicitlyDenied(statement: "OnlyPayments"))
        #expect(policy.evaluate(action: "kafka-cluster:ReadData", resource: Self.topic("orders")) == .allowed(statement: "Everything"))
    }

    @Test(arguments: [
        // (pattern, candidate, matches)
        ("arn:*", "arn:", true),
        ("arn:*", "arn:x:y:z", true),
        ("arn:a?c", "arn:abc", true),
        ("arn:a?c", "arn:ac", false),
        ("arn:a?c", "arn:abbc", false),
        ("arn:*a*b*c*", "arn:xxaxxbxxcxx", true),
        ("arn:*a*b*c*", "arn:xxaxxcxxbxx", false),
        ("arn:a**b", "arn:ab", true),
        ("arn:*?", "arn:", false),
        ("arn:*?", "arn:é", true),
        ("arn:ü*", "arn:ü", true),
        ("arn:ü*", "arn:Ü", false),
        ("arn:abc", "arn:abc", true),
        ("arn:abc", "arn:abcd", false),
        ("arn:abc*", "arn:ab", false),
        ("arn:*abc", "arn:ababc", true),
    ])
    func resourceWildcards(pattern: String, candidate: String, matches: Bool) throws {
        let policy = try Self.policy(#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "\#(pattern)"}}"#)
        #expect(policy.evaluate(action: "kafka-cluster:ReadData", resource: candidate).isAllowed == matches)
    }

    @Test func allowAllAllowsEverything() {
        #expect(IAMPolicy.allowAll.evaluate(action: "kafka-cluster:WriteData", resource: Self.topic("x")) == .allowed(statement: nil))
        #expect(IAMPolicy.allowAll.evaluate(action: "", resource: "").isAllowed)
        #expect(IAMPolicyDecision.implicitlyDenied.isAllowed == false)
        #expect(IAMPolicyDecision.explicitlyDenied(statement: "S").isAllowed == false)
    }

    @Test func theSameDocumentParsesToEqualPolicies() throws {
        #expect(try Self.policy(Self.producerAndConsumer) == Self.policy(Self.producerAndConsumer))
        #expect(try Self.policy(Self.producerAndConsumer) != IAMPolicy.allowAll)
    }

    // MARK: - Parse errors

    struct ErrorCase: CustomTestStringConvertible, Sendable {
        let json: String
        let expected: IAMPolicyError
        let mentions: String
        var testDescription: String { String(describing: expected).prefix(80).description }
    }

    static let valid = #""Effect": "Allow", "Action": "kafka-cluster:ReadData", "Resource": "*""#

    static let errorCases: [ErrorCase] = [
        ErrorCase(json: "[]", expected: .notAnObject(field: "the policy document"), mentions: "JSON object"),
        ErrorCase(json: "{", expected: .malformedJSON(detail: ""), mentions: "not valid JSON"),
        ErrorCase(json: "", expected: .malformedJSON(detail: ""), mentions: "not valid JSON"),
        ErrorCase(json: #"{"Version": "2012-10-17"}"#, expected: .missingElement(field: "the policy document", element: "Statement"), mentions: "no Statement"),
        ErrorCase(json: #"{"Version": "2012-10-18", "Statement": {\#(valid)}}"#, expected: .unsupportedVersion("2012-10-18"), mentions: "2012-10-17"),
        ErrorCase(json: #"{"Version": 2012, "Statement": {\#(valid)}}"#, expected: .wrongType(field: "Version", expected: "a string"), mentions: "Version"),
        ErrorCase(json: #"{"Id": null, "Statement": {\#(valid)}}"#, expected: .wrongType(field: "Id", expected: "a string"), mentions: "Id"),
        ErrorCase(json: #"{"Statement": {\#(valid)}, "Statment": []}"#, expected: .unknownElement(field: "the policy document", element: "Statment"), mentions: "\"Statment\""),
        ErrorCase(json: #"{"Statement": []}"#, expected: .emptyValue(field: "Statement"), mentions: "Statement is empty"),
        ErrorCase(json: #"{"Statement": "Allow"}"#, expected: .wrongType(field: "Statement", expected: "a statement object or an array of them"), mentions: "Statement"),
        ErrorCase(json: #"{"Statement": [{\#(valid)}, 42]}"#, expected: .notAnObject(field: "Statement[1]"), mentions: "Statement[1]"),
        ErrorCase(json: #"{"Statement": [{"Action": "*", "Resource": "*"}]}"#, expected: .missingElement(field: "Statement[0]", element: "Effect"), mentions: "no Effect"),
        ErrorCase(json: #"{"Statement": {"Effect": "allow", "Action": "*", "Resource": "*"}}"#, expected: .invalidEffect(field: "Statement.Effect", value: "allow"), mentions: "\"Allow\" or \"Deny\""),
        ErrorCase(json: #"{"Statement": {"Effect": true, "Action": "*", "Resource": "*"}}"#, expected: .wrongType(field: "Statement.Effect", expected: "a string"), mentions: "Effect"),
        ErrorCase(json: #"{"Statement": {"Effect": "Allow", "Resource": "*"}}"#, expected: .missingElement(field: "Statement", element: "Action or NotAction"), mentions: "Action or NotAction"),
        ErrorCase(json: #"{"Statement": {"Effect": "Allow", "Action": "*"}}"#, expected: .missingElement(field: "Statement", element: "Resource or NotResource"), mentions: "Resource or NotResource"),
        ErrorCase(json: #"{"Statement": {"Effect": "Allow", "Action": "*", "NotAction": "s3:*", "Resource": "*"}}"#,
                  expected: .conflictingElements(field: "Statement", first: "Action", second: "NotAction"), mentions: "exactly one"),
        ErrorCase(json: #"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "NotResource": "*"}}"#,
                  expected: .conflictingElements(field: "Statement", first: "Resource", second: "NotResource"), mentions: "exactly one"),
        ErrorCase(json: #"{"Statement": [{\#(valid)}, {\#(valid), "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}"#,
                  expected: .conditionNotSupported(field: "Statement[1]"), mentions: "not supported by msk-local"),
        ErrorCase(json: #"{"Statement": {\#(valid), "Principal": {"AWS": "*"}}}"#, expected: .principalNotAllowed(field: "Statement", element: "Principal"), mentions: "identity policy"),
        ErrorCase(json: #"{"Statement": {\#(valid), "NotPrincipal": "*"}}"#, expected: .principalNotAllowed(field: "Statement", element: "NotPrincipal"), mentions: "NotPrincipal"),
        ErrorCase(json: #"{"Statement": {\#(valid), "Actions": "*"}}"#, expected: .unknownElement(field: "Statement", element: "Actions"), mentions: "\"Actions\""),
        ErrorCase(json: #"{"Statement": {"Effect": "Allow", "Action": [], "Resource": "*"}}"#, expected: .emptyValue(field: "Statement.Action"), mentions: "Statement.Action is empty"),
        ErrorCase(json: #"{"Statement": {"Effect": "Allow", "Action": "*", "NotResource": []}}"#, expected: .emptyValue(field: "Statement.NotResource"), mentions: "empty"),
        ErrorCase(json: #"{"Statement": {"Effect": "Allow", "Action": "", "Resource": "*"}}"#, expected: .emptyValue(field: "Statement.Action"), mentions: "empty"),
        ErrorCase(json: #"{"Statement": {"Effect": "Allow", "Action": ["*", 7], "Resource": "*"}}"#, expected: .wrongType(field: "Statement.Action[1]", expected: "a string"), mentions: "Action[1]"),
        ErrorCase(json: #"{"Statement": {"Effect": "Allow", "Action": ["*", null], "Resource": "*"}}"#, expected: .wrongType(field: "Statement.Action[1]", expected: "a string"), mentions: "Action[1]"),
        ErrorCase(json: #"{"Statement": {"Effect": "Allow", "Action": {"a": 1}, "Resource": "*"}}"#, expected: .wrongType(field: "Statement.Action", expected: "a string or an array of strings"), mentions: "Action"),
        ErrorCase(json: #"{"Statement": {"Effect": "Allow", "Action": [["*"]], "Resource": "*"}}"#, expected: .wrongType(field: "Statement.Action[0]", expected: "a string"), mentions: "Action[0]"),
        ErrorCase(json: #"{"Statement": {"Effect": "Allow", "NotAction": "WriteData", "Resource": "*"}}"#,
                  expected: .invalidAction(field: "Statement.NotAction", value: "WriteData", reason: ""), mentions: "service prefix"),
        ErrorCase(json: #"{"Statement": {"Effect": "Allow", "Action": "kafka*:WriteData", "Resource": "*"}}"#,
                  expected: .invalidAction(field: "Statement.Action", value: "kafka*:WriteData", reason: ""), mentions: "without wildcards"),
        ErrorCase(json: #"{"Statement": {"Effect": "Allow", "Action": ["*", "kafka-cluster: WriteData"], "Resource": "*"}}"#,
                  expected: .invalidAction(field: "Statement.Action[1]", value: "kafka-cluster: WriteData", reason: ""), mentions: "action name"),
        ErrorCase(json: #"{"Statement": {"Effect": "Allow", "Action": "kafka-cluster:", "Resource": "*"}}"#,
                  expected: .invalidAction(field: "Statement.Action", value: "kafka-cluster:", reason: ""), mentions: "action name"),
        ErrorCase(json: #"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "orders"}}"#,
                  expected: .invalidResource(field: "Statement.Resource", value: "orders"), mentions: "an ARN"),
        ErrorCase(json: #"{"Statement": {"Effect": "Allow", "Action": "*", "NotResource": false}}"#,
                  expected: .wrongType(field: "Statement.NotResource", expected: "a string or an array of strings"), mentions: "array of strings"),
        ErrorCase(json: #"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": ["*", 1.5]}}"#,
                  expected: .wrongType(field: "Statement.Resource[1]", expected: "a string"), mentions: "Resource[1]"),
        ErrorCase(json: #"{"Statement": {"Sid": "read-orders", \#(valid)}}"#, expected: .invalidSid(field: "Statement.Sid", value: "read-orders"), mentions: "letters and digits"),
        ErrorCase(json: #"{"Statement": {"Sid": "", \#(valid)}}"#, expected: .emptyValue(field: "Statement.Sid"), mentions: "empty"),
        ErrorCase(json: #"{"Statement": {"Sid": 1, \#(valid)}}"#, expected: .wrongType(field: "Statement.Sid", expected: "a string"), mentions: "Sid"),
        ErrorCase(json: #"{"Statement": [{"Sid": "A", \#(valid)}, {"Sid": "B", \#(valid)}, {"Sid": "A", \#(valid)}]}"#,
                  expected: .duplicateSid(field: "Statement[2].Sid", value: "A"), mentions: "unique"),
    ]

    @Test(arguments: errorCases)
    func refusesMalformedPolicies(_ testCase: ErrorCase) throws {
        let error = try #require(Self.parseError(testCase.json), "parsed: \(testCase.json)")
        // Reasons and JSON parser details are prose: compare the case and its fields, not them.
        switch (error, testCase.expected) {
        case (.malformedJSON, .malformedJSON): break
        case (.invalidAction(let field, let value, _), .invalidAction(let expectedField, let expectedValue, _)):
            #expect(field == expectedField && value == expectedValue)
        default:
            #expect(error == testCase.expected)
        }
        #expect(error.description.contains(testCase.mentions), "\(error.description)")
    }

    // MARK: - Hostile documents

    @Test func refusesADocumentOverTheSizeLimit() {
        let padding = String(repeating: " ", count: IAMPolicyLimits.maximumDocumentBytes)
        let json = #"{"Statement": {\#(Self.valid)}}"# + padding
        #expect(Self.parseError(json) == .documentTooLarge(bytes: json.utf8.count, limit: IAMPolicyLimits.maximumDocumentBytes))
        // Just under the limit is fine.
        let fits = #"{"Statement": {\#(Self.valid)}}"#
        #expect(Self.parseError(fits + String(repeating: " ", count: IAMPolicyLimits.maximumDocumentBytes - fits.utf8.count)) == nil)
    }

    @Test func refusesDeepNestingBeforeParsing() {
        for depth in [IAMPolicyLimits.maximumNestingDepth + 1, 10_000, 100_000] {
            let json = #"{"Statement": "# + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
            guard json.utf8.count <= IAMPolicyLimits.maximumDocumentBytes else {
                #expect(Self.parseError(json) == .documentTooLarge(bytes: json.utf8.count, limit: IAMPolicyLimits.maximumDocumentBytes))
                continue
            }
            #expect(Self.parseError(json) == .nestingTooDeep(limit: IAMPolicyLimits.maximumNestingDepth))
        }
        // Unbalanced openers alone, and brackets inside strings, which do not nest.
        #expect(Self.parseError(String(repeating: "{", count: 50_000)) == .nestingTooDeep(limit: IAMPolicyLimits.maximumNestingDepth))
        let bracketsInAString = #"{"Id": "\#(String(repeating: "[{", count: 1_000))", "Statement": {\#(Self.valid)}}"#
        #expect(Self.parseError(bracketsInAString) == nil)
        // A Condition nested within the limit is refused for being a Condition.
        #expect(Self.parseError(#"{"Statement": {\#(Self.valid), "Condition": {"StringEquals": {"k": ["v"]}}}}"#) == .conditionNotSupported(field: "Statement"))
    }

    @Test func refusesTooManyStatementsAndTooLongValues() {
        let statement = "{\(Self.valid)}"
        let many = #"{"Statement": [\#(Array(repeating: statement, count: IAMPolicyLimits.maximumStatements + 1).joined(separator: ","))]}"#
        #expect(Self.parseError(many) == .tooManyStatements(count: IAMPolicyLimits.maximumStatements + 1, limit: IAMPolicyLimits.maximumStatements))
        let enough = #"{"Statement": [\#(Array(repeating: statement, count: IAMPolicyLimits.maximumStatements).joined(separator: ","))]}"#
        #expect(Self.parseError(enough) == nil)

        let long = "arn:" + String(repeating: "x", count: IAMPolicyLimits.maximumValueBytes)
        let error = Self.parseError(#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": ["*", "\#(long)"]}}"#)
        #expect(error == .valueTooLong(field: "Statement.Resource[1]", bytes: long.utf8.count, limit: IAMPolicyLimits.maximumValueBytes))
    }

    @Test func refusesInvalidUTF8AndGarbage() {
        let valid = Array(#"{"Statement": {"Sid": "S", \#(Self.valid)}}"#.utf8)
        #expect(Self.parseError(valid) == nil)
        for bad: [UInt8] in [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80]] {
            var bytes = valid
            bytes.insert(contentsOf: bad, at: 20)  // inside the "S" of Sid's value or nearby
            #expect(Self.parseError(bytes) == .notUTF8)
        }
        for garbage in ["\u{0}", "null", "42", "\"Statement\"", "true", #"{"Statement": NaN}"#, #"{"Statement": {"Effect": 1e99999}}"#,
                        #"{"Id": "\ud800", "Statement": {}}"#, #"{"Statement": {\#(Self.valid),}}"#, "{}{}"] {
            #expect(Self.parseError(garbage) != nil, "parsed \(garbage)")
        }
        let trailing = #"{"Statement": {"Effect": "Allow", "Action": ["*" , ], "Resource": "*"}}"#
        #expect(Self.parseError(trailing) == .malformedJSON(detail: "a trailing comma before the bracket at offset 51"))
        #expect(Self.parseError(#"{"Id": ",]", "Statement": {\#(Self.valid)}}"#) == nil)
        // A UTF-16 document is not UTF-8 JSON, even though Foundation would read it.
        let utf16 = Array(#"{"Statement": {\#(Self.valid)}}"#.utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        #expect(Self.parseError(utf16) == .malformedJSON(detail: "a NUL byte at offset 1: the document must be UTF-8 JSON"))
    }

    @Test func duplicateKeysAreNotACrash() {
        // JSONSerialization keeps one of the two; either way the document parses or is refused.
        _ = Self.parseError(#"{"Statement": {"Effect": "Allow", "Effect": "Deny", "Action": "*", "Resource": "*"}}"#)
        _ = Self.parseError(#"{"Statement": {\#(Self.valid)}, "Statement": 1}"#)
    }

    @Test func errorsQuoteAtMost128CharactersOfAnyValue() {
        let huge = String(repeating: "é", count: 50_000)
        let errors = [
            Self.parseError(#"{"Statement": {\#(Self.valid), "\#(huge)": 1}}"#),
            Self.parseError(#"{"Version": "\#(String(repeating: "9", count: 2_000))", "Statement": {\#(Self.valid)}}"#),
            Self.parseError(#"{"Statement": {"Effect": "\#(String(repeating: "A", count: 2_000))", "Action": "*", "Resource": "*"}}"#),
            Self.parseError(#"{"Statement": {"Effect": "Allow", "Action": "\#(String(repeating: "A", count: 2_000))", "Resource": "*"}}"#),
            Self.parseError(#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "\#(String(repeating: "r", count: 2_000))"}}"#),
            Self.parseError(#"{"Statement": {"Sid": "\#(String(repeating: "-", count: 2_000))", \#(Self.valid)}}"#),
            Self.parseError(#"{"Statement": {\#(Self.valid)}, "x": \#(String(repeating: "1", count: 100_000))}"#),
            Self.parseError(#"{"Statement": [\#(String(repeating: "1", count: 100_000))x]}"#),
        ]
        for error in errors {
            guard let error else {
                Issue.record("a hostile document parsed")
                continue
            }
            #expect(error.description.unicodeScalars.count < 128 + 200, "\(error.description.prefix(400))")
        }
        // The quoted value is cut at 128 characters and marked.
        #expect(Self.parseError(#"{"Statement": {\#(Self.valid), "\#(huge)": 1}}"#) ==
                .unknownElement(field: "Statement", element: String(repeating: "é", count: 128) + "…"))
        // Control characters are escaped, never written raw into a log line.
        let description = Self.parseError(#"{"Statement": {"Effect": "Al\nlow\u001b[31m", "Action": "*", "Resource": "*"}}"#)?.description ?? ""
        #expect(!description.contains("\n") && !description.contains("\u{1b}"), "\(description)")
    }

    @Test func pathologicalWildcardsFinishQuickly() throws {
        // `a*a*a*...b` against a run of `a`s: exponential for a naive backtracking matcher.
        let stars = String(repeating: "a*", count: 900)
        let policy = try Self.policy("""
            {"Statement": [
              {"Effect": "Allow", "Action": "kafka-cluster:\(stars)b", "Resource": "*"},
              {"Effect": "Allow", "Action": "*", "Resource": "arn:\(stars)b"},
              {"Effect": "Allow", "Action": "*", "Resource": "arn:\(String(repeating: "?*", count: 900))b"}
            ]}
            """)
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            let many = String(repeating: "a", count: 2_000)
            #expect(policy.evaluate(action: "kafka-cluster:\(many)", resource: "arn:\(many)") == .implicitlyDenied)
            #expect(policy.evaluate(action: "kafka-cluster:\(many)", resource: "arn:\(many)b").isAllowed)
        }
        print("pathological wildcards: \(elapsed)")
    }

    @Test func randomMutationsOfAValidDocumentNeverCrash() {
        var generator = IAMPolicyFuzzGenerator(seed: 14)
        let base = Array(Self.producerAndConsumer.utf8)
        let interesting: [UInt8] = Array(#"{}[]",:\*?"#.utf8) + [0, 0xFF, 0xC3, 0x80, UInt8(ascii: "1"), UInt8(ascii: "n")]
        var parsed = 0
        for _ in 0..<2_000 {
            var bytes = base
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[index] = interesting.randomElement(using: &generator) ?? 0
                case 1: bytes.remove(at: index)
                default: bytes.insert(interesting.randomElement(using: &generator) ?? 0, at: index)
                }
            }
            if let policy = try? IAMPolicy(json: bytes) {
                parsed += 1
                _ = policy.evaluate(action: "kafka-cluster:WriteData", resource: Self.topic("orders"))
            }
        }
        print("random mutations: \(parsed) of 2000 still parsed")
    }
}

/// A small deterministic generator (SplitMix64), so that a failing mutation can be reproduced.
private struct IAMPolicyFuzzGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
