import Foundation

/// One parsed shared config or credentials file: sections of lower-cased keys and values.
///
/// Follows botocore's reading: full-line comments start with `#` or `;`; `key = value` or
/// `key: value` (the first delimiter wins, so ARNs keep their colons); keys are lower-cased;
/// values are trimmed and otherwise literal (no inline comments, no unquoting). A key with an
/// empty value followed by indented lines opens a sub-section (`s3 =` / `  max_concurrent_requests = 2`),
/// which credentials never use and which is skipped. Any other indented line continues the
/// previous value.
struct SharedConfigFile: Sendable {
    /// Section name (as written between the brackets, trimmed) → key → value.
    var sections: [String: [String: String]] = [:]

    /// Parses `text`; `path` is used in error messages only.
    static func parse(_ text: String, path: String) throws(SharedConfigError) -> SharedConfigFile {
        var file = SharedConfigFile()
        var section: String?
        var lastKey: String?
        var inSubsection = false
        // `isNewline` splits on "\n", "\r\n" (one Character in Swift) and "\r" alike.
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let lineNumber = index + 1
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix(";") { continue }
            let indented = line.first == " " || line.first == "\t"

            if indented, let current = section, let key = lastKey {
                if inSubsection { continue }
                file.sections[current]?[key, default: ""] += "\n" + trimmed
                continue
            }
            if trimmed.hasPrefix("[") {
                guard trimmed.hasSuffix("]"), trimmed.count > 2 else {
                    throw .syntax(file: path, line: lineNumber, reason: "a section header must look like [name]")
                }
                let name = trimmed.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                section = name
                lastKey = nil
                inSubsection = false
                if file.sections[name] == nil { file.sections[name] = [:] }
                continue
            }
            guard let current = section else {
                throw .syntax(file: path, line: lineNumber, reason: "a setting before any [section]")
            }
            guard let delimiter = trimmed.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                throw .syntax(file: path, line: lineNumber, reason: "expected 'key = value'")
            }
            let key = trimmed[..<delimiter].trimmingCharacters(in: .whitespaces).lowercased()
            let value = trimmed[trimmed.index(after: delimiter)...].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty else {
                throw .syntax(file: path, line: lineNumber, reason: "a setting without a name")
            }
            file.sections[current]?[key] = value
            lastKey = key
            inSubsection = value.isEmpty
        }
        return file
    }
}
