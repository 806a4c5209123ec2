import Synchronization

/// What msk-local has seen, for tests and the control API (`GET /control/counters`).
public struct MSKLocalCountersSnapshot: Sendable, Codable, Equatable {
    /// Client connections accepted by the gateway.
    public var connectionsAccepted = 0
    /// Client connections open now.
    public var connectionsOpen = 0
    /// Connections closed at once because their listener's broker was down.
    public var connectionsRefusedBrokerDown = 0
    /// Connections closed at once because their listener had its maximum open.
    public var connectionsRefusedOverLimit = 0
    /// First authentications refused as "Too many connects" (the new-connection rate limit).
    public var connectionsThrottled = 0
    /// Connections closed because they did not authenticate in time.
    public var authenticationTimeouts = 0
    /// Connections closed because nothing went either way for the idle timeout.
    public var idleTimeouts = 0
    /// Connections closed because a request frame was larger than allowed (before
    /// authentication: ``GatewayLimits/maximumFrameSizeBeforeAuthentication``), or unreadable.
    public var malformedFrames = 0
    /// Connections the gateway opened to upstream brokers (one per client connection that got
    /// as far as forwarding a request, which takes authentication on a SASL listener).
    public var upstreamConnections = 0
    /// Connections closed by the control API's "drop all connections".
    public var connectionsDropped = 0
    /// Connections closed because a request other than ApiVersions/SASL came before authentication.
    public var unauthenticatedRequests = 0
    /// Successful authentications (first ones and re-authentications).
    public var authenticationsSucceeded = 0
    /// Refused authentications.
    public var authenticationsFailed = 0
    /// Refusals by reason code (``MSKTokenRejection/reasonCode``).
    public var authenticationFailuresByReason: [String: Int] = [:]
    /// KIP-368 re-authentications accepted on an open connection.
    public var reauthentications = 0
    /// Connections closed by the gateway because their session ended.
    public var sessionsExpired = 0
    /// Successful authentications per principal ARN.
    public var authenticationsByPrincipal: [String: Int] = [:]
    /// Distinct access key ids that authenticated (one per credential rotation).
    public var distinctAccessKeys = 0
    /// STS calls by action (`AssumeRole`, ...), answered or failed.
    public var stsCalls: [String: Int] = [:]
    /// STS calls refused: bad signature, unknown key, injected fault, ...
    public var stsFailures: [String: Int] = [:]
    /// Credentials handed out by IMDS.
    public var imdsCredentialRequests = 0
    /// Credentials handed out by the ECS endpoint.
    public var ecsCredentialRequests = 0
    /// Distinct web identity tokens seen by AssumeRoleWithWebIdentity.
    public var distinctWebIdentityTokens = 0
    /// ApiVersions requests by client software (`name/version`, from v3 and later), at most
    /// ``MSKLocalCounters/maximumClientSoftwareKeys`` of them; the rest under `(other)`.
    public var apiVersionsByClientSoftware: [String: Int] = [:]
    /// Connections whose requests waited because the same group member's JoinGroup or
    /// SyncGroup was still unanswered on a closed connection (`GatewayGroupRequestGuard`).
    public var groupRequestsHeld = 0
    /// Successful authentications (first ones and re-authentications) by the client software
    /// the connection named in ApiVersions v3 or later (`unknown` when it did not), bounded as
    /// ``apiVersionsByClientSoftware`` is.
    public var authenticationsByClientSoftware: [String: Int] = [:]
}

/// Thread-safe tallies behind ``MSKLocalCountersSnapshot``.
public final class MSKLocalCounters: Sendable {
    private struct State {
        var snapshot = MSKLocalCountersSnapshot()
        var accessKeys: Set<String> = []
        /// Hashes, not the tokens: a token can be megabytes.
        var webIdentityTokens: Set<Int> = []
    }

    private let state = Mutex(State())

    /// All counters at zero.
    public init() {}

    /// A copy of every counter.
    public var snapshot: MSKLocalCountersSnapshot { state.withLock { $0.snapshot } }

    func update(_ body: (inout MSKLocalCountersSnapshot) -> Void) {
        state.withLock { body(&$0.snapshot) }
    }

    func authenticationSucceeded(_ session: AuthenticatedSession, reauthentication: Bool, clientSoftware: String?) {
        state.withLock { state in
            state.snapshot.authenticationsSucceeded += 1
            Self.count(clientSoftware ?? "unknown", in: &state.snapshot.authenticationsByClientSoftware)
            if reauthentication { state.snapshot.reauthentications += 1 }
            state.snapshot.authenticationsByPrincipal[session.principal, default: 0] += 1
            state.accessKeys.insert(session.accessKeyID)
            state.snapshot.distinctAccessKeys = state.accessKeys.count
        }
    }

    func authenticationFailed(_ rejection: MSKTokenRejection) {
        state.withLock { state in
            state.snapshot.authenticationsFailed += 1
            state.snapshot.authenticationFailuresByReason[rejection.reasonCode, default: 0] += 1
        }
    }

    /// Client software names are chosen by clients: the map that counts them is bounded.
    public static let maximumClientSoftwareKeys = 64

    /// The key client software is counted under: `name/version`, each cut at 64 characters.
    static func clientSoftwareKey(name: String, version: String) -> String {
        "\(name.prefix(64))/\(version.prefix(64))"
    }

    func clientSoftwareSeen(_ key: String) {
        state.withLock { Self.count(key, in: &$0.snapshot.apiVersionsByClientSoftware) }
    }

    /// Counts `key` in `counts`, or under `(other)` once the map holds its maximum of keys.
    private static func count(_ key: String, in counts: inout [String: Int]) {
        let counted = counts[key] != nil || counts.count < maximumClientSoftwareKeys ? key : "(other)"
        counts[counted, default: 0] += 1
    }

    func webIdentityTokenSeen(_ token: String) {
        state.withLock { state in
            // Bounded: past the cap the count stops growing (a soak sees a few hundred).
            if state.webIdentityTokens.count < 100_000 { state.webIdentityTokens.insert(token.hashValue) }
            state.snapshot.distinctWebIdentityTokens = state.webIdentityTokens.count
        }
    }
}
