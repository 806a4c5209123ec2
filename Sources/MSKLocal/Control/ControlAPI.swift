import Foundation
import MSKKafka

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
/// | `POST /control/reset` | clears every fault, brings every broker up |
struct ControlAPI: Sendable {
    let actions: FaultActions
    let counters: MSKLocalCounters
    let cluster: MockKafkaCluster

    func handle(_ request: LocalHTTPRequest) -> LocalHTTPResponse {
        let path = request.path.dropFirst("/control/".count).split(separator: "/").map(String.init)
        let parameters = request.parameters
        func integer(_ name: String) -> Int? { parameters[name].flatMap { Int($0) } }
        func double(_ name: String) -> Double? { parameters[name].flatMap { Double($0) } }
        func ok(_ fields: [String: Int] = [:]) -> LocalHTTPResponse { .json(200, fields) }
        func bad(_ message: String) -> LocalHTTPResponse { .json(400, ["error": message]) }

        if request.method == "GET" {
            switch path.first ?? "" {
            case "counters": return .json(200, counters.snapshot)
            case "events": return .json(200, actions.events.events(sinceMs: parameters["since"].flatMap { Int64($0) } ?? 0))
            default: return .json(404, ["error": "unknown control path \(request.path)"])
            }
        }
        guard request.method == "POST" else { return .json(405, ["error": "use GET or POST"]) }
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
            guard let count = integer("count"), count >= 0 else { return bad("count must be a non-negative integer") }
            actions.rejectNextAuthentications(count)
            return ok()
        case "sts-fail":
            guard let count = integer("count"), count >= 0 else { return bad("count must be a non-negative integer") }
            guard let fault = STSFault(rawValue: parameters["mode"] ?? "500") else {
                return bad("mode must be one of \(STSFault.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            actions.failNextSTSCalls(count, with: fault)
            return ok()
        case "sts-down":
            guard let seconds = double("seconds"), seconds >= 0 else { return bad("seconds must be a non-negative number") }
            actions.stsDown(for: seconds)
            return ok()
        case "clock-skew":
            guard let seconds = double("seconds") else { return bad("seconds must be a number") }
            actions.setClockSkew(seconds)
            return ok()
        case "auth-delay":
            guard let milliseconds = integer("ms"), milliseconds >= 0 else { return bad("ms must be a non-negative integer") }
            actions.setAuthenticationDelay(milliseconds: milliseconds)
            return ok()
        case "topics":
            guard let name = parameters["name"], !name.isEmpty else { return bad("name is required") }
            let partitions = integer("partitions") ?? 1
            guard partitions > 0 else { return bad("partitions must be positive") }
            cluster.createTopic(name, partitions: Int32(partitions))
            return ok()
        case "reset":
            actions.reset()
            return ok()
        default:
            return .json(404, ["error": "unknown control path \(request.path)"])
        }
    }
}
