/// An IAM wildcard pattern: `*` matches any run of characters (including none), `?` exactly one
/// character, anything else itself. Characters are Unicode scalars.
///
/// Matching is the greedy algorithm with a single backtrack point (the last `*` seen), so it
/// takes at most O(pattern × text) steps and never backtracks exponentially, whatever the pattern.
struct IAMWildcardPattern: Sendable, Equatable {
    /// The pattern as written in the policy.
    let text: String
    /// The pattern's scalars, ASCII-lowercased when matching ignores case, runs of `*` collapsed.
    private let scalars: [Unicode.Scalar]
    private let ignoresCase: Bool
    private let hasWildcard: Bool

    init(_ text: String, ignoringCase: Bool) {
        self.text = text
        self.ignoresCase = ignoringCase
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            if scalar == "*", scalars.last == "*" { continue }
            scalars.append(ignoringCase ? Self.asciiLowercased(scalar) : scalar)
        }
        self.scalars = scalars
        self.hasWildcard = scalars.contains { $0 == "*" || $0 == "?" }
    }

    /// Whether `candidate` matches the whole pattern.
    func matches(_ candidate: String) -> Bool {
        matches(Array(candidate.unicodeScalars))
    }

    /// Whether `text` (a candidate's Unicode scalars, as given: folding is done here) matches the
    /// whole pattern.
    func matches(_ text: [Unicode.Scalar]) -> Bool {
        if !hasWildcard {
            guard text.count == scalars.count else { return false }
            return zip(scalars, text).allSatisfy { $0 == fold($1) }
        }
        var p = 0, t = 0
        var star: Int? = nil  // the index of the last `*` seen in the pattern
        var resume = 0        // the text index that `*` is currently taken to end before
        while t < text.count {
            if p < scalars.count, scalars[p] == "*" {
                star = p
                resume = t
                p += 1
            } else if p < scalars.count, scalars[p] == "?" || scalars[p] == fold(text[t]) {
                p += 1
                t += 1
            } else if let star {
                // Let the last `*` swallow one more character and retry what follows it.
                p = star + 1
                resume += 1
                t = resume
            } else {
                return false
            }
        }
        while p < scalars.count, scalars[p] == "*" { p += 1 }
        return p == scalars.count
    }

    private func fold(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        ignoresCase ? Self.asciiLowercased(scalar) : scalar
    }

    private static func asciiLowercased(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        guard ("A"..."Z").contains(scalar) else { return scalar }
        return Unicode.Scalar(UInt8(truncatingIfNeeded: scalar.value) + 32)
    }
}
