import Foundation
import MSKKafkaTesting

/// msk-local's control API, under `/control/` (all on loopback):
///
/// | Request | Effect |
/// |---|---|
/// | `GET /control/counters` | ``MSKLocalCountersSnapshot`` as JSON |
/// | `GET /control/events?since=<ms>` | the faults applied (``MSKLocalEvent``) as JSON |
/// | `POST /control/drop-connections` | closes every client connection now |
/// | `POST /control/brokers/<id>/down`, `/up` | takes an upstream broker down or up |
/// | `POST /control/reject-authentications?count=N` | refuses the next N authentications |
/// | `POST /control/sts-fail?count=N&mode=500\|throttling\|hang\|malformed` | the next N STS calls fail |
/// | `POST /control/sts-down?seconds=S` | STS answers 503 for S seconds (0: back now) |
/// | `POST /control/clock-skew?seconds=S` | msk-local's clock runs S seconds ahead |
/// | `POST /control/auth-delay?ms=M` | every SaslAuthenticate answer waits M ms |
/// | `POST /control/topics?name=T&partitions=P` | creates a topic |
/// | `POST /control/web-identity-token?subject=S&audience=A&lifetime=L` | a web identity token signed by msk-local's issuer |
/// | `POST /control/reset` | clears every fault, brings every broker up |
///
/// and the authorization routes (policies, decisions) in `ControlAPI+Authorization.swift`.
struct ControlAPI: Sendable {
    /// The most faults one request may queue (each queued STS failure is kept until used).
    static let maximumCount = 1_000_000
    /// A skew past ten years is no test of anything and overflows date arithmetic sooner or later.
    static let maximumClockSkew: Double = 10 * 365 * 86_400

    let actions: FaultActions
    let counters: MSKLocalCounters
    let cluster: MockKafkaCluster
    let oidc: LocalOIDCIssuer
    let authorizer: MSKAuthorizer

    func handle(_ request: LocalHTTPRequest) -> LocalHTTPResponse {
        let path = request.path.dropFirst("/control/".count).split(separator: "/").map(String.init)
        let parameters = request.parameters
        // Every number is range-checked here, at the edge: what passes is safe to convert,
        // allocate for or sleep on (`Int(Double)` and `Task.sleep` trap on what does not fit).
        func integer(_ name: String, in range: ClosedRange<Int>) -> Int? {
            parameters[name].flatMap { Int($0) }.flatMap { range.contains($0) ? $0 : nil }
        }
        func double(_ name: String, in range: ClosedRange<Double>) -> Double? {
            parameters[name].flatMap { Double($0) }.flatMap { $0.isFinite && range.contains($0) ? $0 : nil }
        }
        func ok(_ fields: [String: Int] = [:]) -> LocalHTTPResponse { .json(200, fields) }
        func bad(_ message: String) -> LocalHTTPResponse { .json(400, ["error": message]) }

        if let answer = handleAuthorization(request, path: path) { return answer }
        if request.method == "GET" {
            switch path.first ?? "" {
            case "counters": return .json(200, counters.snapshot)
            case "events": return .json(200, actions.events.events(sinceMs: parameters["since"].flatMap { Int64($0) } ?? 0))
            default: return .json(404, ["error": "unknown control path \(request.path)"])
            }
        }
        guard request.method == "POST" else { return .json(405, ["error": "use GET or POST (PUT and DELETE for policies)"]) }
        switch path.first ?? "" {
        case "drop-connections":
            return ok(["dropped": actions.dropConnections()])
        case "brokers":
            guard path.count == 3, let id = Int(path[1]), path[2] == "down" || path[2] == "up" else {
                return bad("use /control/brokers/<id>/down or /up")
            }
            do {
                try actions.setBroker(id, up: path[2] == "up")
            } catch {
                return bad("\(error)")
            }
            return ok()
        case "reject-authentications":
            guard let count = integer("count", in: 0...Self.maximumCount) else { return bad("count must be an integer in 0...\(Self.maximumCount)") }
            actions.rejectNextAuthentications(count)
            return ok()
        case "sts-fail":
            guard let count = integer("count", in: 0...Self.maximumCount) else { return bad("count must be an integer in 0...\(Self.maximumCount)") }
            guard let fault = STSFault(rawValue: parameters["mode"] ?? "500") else {
                return bad("mode must be one of \(STSFault.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            actions.failNextSTSCalls(count, with: fault)
            return ok()
        case "sts-down":
            guard let seconds = double("seconds", in: 0...86_400) else { return bad("seconds must be a number in 0...86400") }
            actions.stsDown(for: seconds)
            return ok()
        case "clock-skew":
            guard let seconds = double("seconds", in: -Self.maximumClockSkew...Self.maximumClockSkew) else {
                return bad("seconds must be a number in -\(Int(Self.maximumClockSkew))...\(Int(Self.maximumClockSkew))")
            }
            actions.setClockSkew(seconds)
            return ok()
        case "auth-delay":
            guard let milliseconds = integer("ms", in: 0...600_000) else { return bad("ms must be an integer in 0...600000") }
            actions.setAuthenticationDelay(milliseconds: milliseconds)
            return ok()
        case "topics":
            guard let name = parameters["name"], !name.isEmpty else { return bad("name is required") }
            guard name.utf8.count <= 249, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
                return bad("a topic name is 1 to 249 characters of [a-zA-Z0-9._-]")
            }
            let limit = MSKLocalConfiguration.maximumPartitions
            guard let partitions = parameters["partitions"] == nil ? 1 : integer("partitions", in: 1...limit) else {
                return bad("partitions must be an integer in 1...\(limit)")
            }
            cluster.createTopic(name, partitions: Int32(partitions))
            return ok()
        case "web-identity-token":
            let subject = parameters["subject"] ?? "system:serviceaccount:default:msk-local"
            guard !subject.isEmpty, subject.utf8.count <= 256 else { return bad("subject must be 1 to 256 characters") }
            guard let lifetime = parameters["lifetime"] == nil ? 3600 : integer("lifetime", in: 1...86_400) else {
                return bad("lifetime must be an integer in 1...86400")
            }
            let audience = parameters["audience"]
            guard (audience?.utf8.count ?? 0) <= 256 else { return bad("audience must be at most 256 characters") }
            return .json(200, ["token": oidc.token(subject: subject, audience: audience, lifetime: lifetime)])
        case "reset":
            actions.reset()
            return ok()
        default:
            return .json(404, ["error": "unknown control path \(request.path)"])
        }
    }
}
