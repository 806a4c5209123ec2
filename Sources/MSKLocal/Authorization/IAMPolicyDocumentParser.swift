import Foundation

/// Turns a policy document's bytes into statements, checking everything ``IAMPolicy`` documents
/// and refusing the rest with an ``IAMPolicyError``.
enum IAMPolicyDocumentParser {
    static let versions: Set<String> = ["2012-10-17", "2008-10-17"]
    static let documentElements: Set<String> = ["Version", "Id", "Statement"]
    static let statementElements: Set<String> = ["Sid", "Effect", "Action", "NotAction", "Resource", "NotResource"]

    static func parse(_ bytes: [UInt8]) throws(IAMPolicyError) -> [IAMPolicyStatement] {
        guard bytes.count <= IAMPolicyLimits.maximumDocumentBytes else {
            throw .documentTooLarge(bytes: bytes.count, limit: IAMPolicyLimits.maximumDocumentBytes)
        }
        guard String(validating: bytes, as: UTF8.self) != nil else { throw .notUTF8 }
        // JSON has no place for a raw NUL, and Foundation takes NULs among the first bytes for
        // UTF-16 or UTF-32, which a UTF-8 policy file is not.
        if let offset = bytes.firstIndex(of: 0) {
            throw .malformedJSON(detail: "a NUL byte at offset \(offset): the document must be UTF-8 JSON")
        }
        switch JSONPreflight.check(bytes, depthLimit: IAMPolicyLimits.maximumNestingDepth) {
        case .tooDeep: throw .nestingTooDeep(limit: IAMPolicyLimits.maximumNestingDepth)
        case .trailingComma(let offset): throw .malformedJSON(detail: "a trailing comma before the bracket at offset \(offset)")
        case nil: break
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes))
        } catch {
            throw .malformedJSON(detail: IAMPolicyError.excerpt(reason(error)))
        }
        guard let document = object as? [String: Any] else { throw .notAnObject(field: "the policy document") }
        return try statements(of: document)
    }

    private static func statements(of document: [String: Any]) throws(IAMPolicyError) -> [IAMPolicyStatement] {
        try refuseUnknownElements(of: document, field: "the policy document", allowed: documentElements)
        if let version = document["Version"] {
            let version = try string(version, field: "Version")
            guard versions.contains(version) else { throw .unsupportedVersion(IAMPolicyError.excerpt(version)) }
        }
        if let id = document["Id"] { _ = try string(id, field: "Id") }
        guard let statement = document["Statement"] else {
            throw .missingElement(field: "the policy document", element: "Statement")
        }

        let objects: [(field: String, value: Any)]
        if let list = statement as? [Any] {
            guard !list.isEmpty else { throw .emptyValue(field: "Statement") }
            guard list.count <= IAMPolicyLimits.maximumStatements else {
                throw .tooManyStatements(count: list.count, limit: IAMPolicyLimits.maximumStatements)
            }
            objects = list.enumerated().map { ("Statement[\($0.offset)]", $0.element) }
        } else if statement is [String: Any] {
            objects = [("Statement", statement)]
        } else {
            throw .wrongType(field: "Statement", expected: "a statement object or an array of them")
        }

        var sids: Set<String> = []
        var parsed: [IAMPolicyStatement] = []
        parsed.reserveCapacity(objects.count)
        for (field, value) in objects {
            guard let object = value as? [String: Any] else { throw .notAnObject(field: field) }
            let statement = try self.statement(object, field: field)
            if let sid = statement.sid {
                guard sids.insert(sid).inserted else {
                    throw .duplicateSid(field: "\(field).Sid", value: IAMPolicyError.excerpt(sid))
                }
            }
            parsed.append(statement)
        }
        return parsed
    }

    private static func statement(_ object: [String: Any], field: String) throws(IAMPolicyError) -> IAMPolicyStatement {
        if object["Condition"] != nil { throw .conditionNotSupported(field: field) }
        for element in ["Principal", "NotPrincipal"] where object[element] != nil {
            throw .principalNotAllowed(field: field, element: element)
        }
        try refuseUnknownElements(of: object, field: field, allowed: statementElements)

        var sid: String?
        if let value = object["Sid"] {
            let text = try string(value, field: "\(field).Sid")
            guard !text.isEmpty else { throw .emptyValue(field: "\(field).Sid") }
            guard text.utf8.allSatisfy(isASCIIAlphanumeric) else {
                throw .invalidSid(field: "\(field).Sid", value: IAMPolicyError.excerpt(text))
            }
            sid = text
        }

        guard let effectValue = object["Effect"] else { throw .missingElement(field: field, element: "Effect") }
        let effectText = try string(effectValue, field: "\(field).Effect")
        guard let effect = IAMPolicyStatement.Effect(rawValue: effectText) else {
            throw .invalidEffect(field: "\(field).Effect", value: IAMPolicyError.excerpt(effectText))
        }

        let actions = try selector(object, field: field, positive: "Action", negative: "NotAction") { (text, field) throws(IAMPolicyError) in
            try validateAction(text, field: field)
            return IAMWildcardPattern(text, ignoringCase: true)
        }
        let resources = try selector(object, field: field, positive: "Resource", negative: "NotResource") { (text, field) throws(IAMPolicyError) in
            guard text == "*" || text.hasPrefix("arn:") else {
                throw .invalidResource(field: field, value: IAMPolicyError.excerpt(text))
            }
            return IAMWildcardPattern(text, ignoringCase: false)
        }
        return IAMPolicyStatement(sid: sid, effect: effect, actions: actions, resources: resources)
    }

    /// `Action`/`NotAction` or `Resource`/`NotResource`: exactly one of the two, a string or a
    /// non-empty array of strings, each made a pattern by `pattern` (which validates it).
    private static func selector(
        _ object: [String: Any], field: String, positive: String, negative: String,
        pattern: (String, String) throws(IAMPolicyError) -> IAMWildcardPattern
    ) throws(IAMPolicyError) -> IAMPolicyStatement.Selector {
        let name: String
        let value: Any
        switch (object[positive], object[negative]) {
        case (.some, .some): throw .conflictingElements(field: field, first: positive, second: negative)
        case (.none, .none): throw .missingElement(field: field, element: "\(positive) or \(negative)")
        case (.some(let found), .none): (name, value) = (positive, found)
        case (.none, .some(let found)): (name, value) = (negative, found)
        }
        let elementField = "\(field).\(name)"
        var patterns: [IAMWildcardPattern] = []
        if let list = value as? [Any] {
            guard !list.isEmpty else { throw .emptyValue(field: elementField) }
            patterns.reserveCapacity(list.count)
            for (index, item) in list.enumerated() {
                let itemField = "\(elementField)[\(index)]"
                patterns.append(try pattern(try nonEmptyString(item, field: itemField), itemField))
            }
        } else if value is String {
            patterns.append(try pattern(try nonEmptyString(value, field: elementField), elementField))
        } else {
            throw .wrongType(field: elementField, expected: "a string or an array of strings")
        }
        return .init(patterns: patterns, negated: name == negative)
    }

    /// `*`, or `service:Name` where the service prefix is letters, digits and hyphens and the
    /// name is letters, digits, `-`, `_` and the wildcards `*` and `?`.
    private static func validateAction(_ text: String, field: String) throws(IAMPolicyError) {
        if text == "*" { return }
        let parts = text.utf8.split(separator: UInt8(ascii: ":"), maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw .invalidAction(field: field, value: IAMPolicyError.excerpt(text),
                                 reason: "it needs a service prefix, as in \"kafka-cluster:WriteData\" (or is \"*\")")
        }
        let prefix = parts[0], name = parts[1]
        guard !prefix.isEmpty, prefix.allSatisfy({ isASCIIAlphanumeric($0) || $0 == UInt8(ascii: "-") }) else {
            throw .invalidAction(field: field, value: IAMPolicyError.excerpt(text),
                                 reason: "the service prefix must be letters, digits and hyphens, without wildcards")
        }
        guard !name.isEmpty, name.allSatisfy({ isASCIIAlphanumeric($0) || "-_*?".utf8.contains($0) }) else {
            throw .invalidAction(field: field, value: IAMPolicyError.excerpt(text),
                                 reason: "the action name after the prefix must be letters, digits, '-', '_' and the wildcards '*' and '?'")
        }
    }

    private static func refuseUnknownElements(of object: [String: Any], field: String, allowed: Set<String>) throws(IAMPolicyError) {
        // Sorted, so that the same document always names the same element.
        if let unknown = object.keys.filter({ !allowed.contains($0) }).min() {
            throw .unknownElement(field: field, element: IAMPolicyError.excerpt(unknown))
        }
    }

    private static func string(_ value: Any, field: String) throws(IAMPolicyError) -> String {
        guard let text = value as? String else { throw .wrongType(field: field, expected: "a string") }
        guard text.utf8.count <= IAMPolicyLimits.maximumValueBytes else {
            throw .valueTooLong(field: field, bytes: text.utf8.count, limit: IAMPolicyLimits.maximumValueBytes)
        }
        return text
    }

    private static func nonEmptyString(_ value: Any, field: String) throws(IAMPolicyError) -> String {
        let text = try string(value, field: field)
        guard !text.isEmpty else { throw .emptyValue(field: field) }
        return text
    }

    private static func isASCIIAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }

    /// The JSON parser's own reason (Foundation's `NSDebugDescription`), or a generic one.
    private static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        return (nsError.userInfo[NSDebugDescriptionErrorKey] as? String) ?? "malformed JSON"
    }
}
