import Foundation

/// One request msk-local denied: enough to write the missing policy statement.
public struct MSKAuthorizationDenial: Sendable, Codable, Equatable {
    /// Increases by one with each denial; ask for those after the last one seen.
    public let sequence: UInt64
    /// When, in milliseconds since the epoch.
    public let timeMs: Int64
    public let principal: String
    /// The `kafka-cluster:` action that was not allowed.
    public let action: String
    /// The resource ARN it was asked on.
    public let resource: String
    /// `explicit` when a Deny statement matched (its Sid in ``statement``), `implicit` when no
    /// statement allowed it.
    public let kind: String
    /// The Sid of the Deny statement, when it has one.
    public let statement: String?
}

/// The most recent denials, at most ``capacity`` of them (older ones are dropped).
struct MSKAuthorizationDenialLog {
    static let capacity = 1_000
    private var entries: [MSKAuthorizationDenial] = []
    private(set) var lastSequence: UInt64 = 0

    mutating func append(principal: String, action: String, resource: String, decision: IAMPolicyDecision, at now: Date) {
        lastSequence += 1
        var statement: String?
        var kind = "implicit"
        if case .explicitlyDenied(let sid) = decision {
            kind = "explicit"
            statement = sid
        }
        let millis = now.timeIntervalSince1970 * 1000
        entries.append(MSKAuthorizationDenial(sequence: lastSequence, timeMs: millis.isFinite ? Int64(max(0, min(millis, 1e15))) : 0,
                                              principal: principal, action: action, resource: resource, kind: kind, statement: statement))
        // Dropped in halves, so that a storm of denials costs amortised O(1) each.
        if entries.count >= 2 * Self.capacity { entries.removeFirst(Self.capacity) }
    }

    func entries(after sequence: UInt64) -> [MSKAuthorizationDenial] {
        let kept = entries.suffix(Self.capacity)
        guard let first = kept.firstIndex(where: { $0.sequence > sequence }) else { return [] }
        return Array(kept[first...])
    }
}
