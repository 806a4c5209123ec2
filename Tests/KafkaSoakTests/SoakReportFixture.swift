import Foundation
import KafkaSoak
import MSKLocal

/// A small, fixed `report.json`: two producer and two consumer samples, one broker sample, two
/// faults (one with text that needs escaping), a rebalance, a policy denial.
enum SoakReportFixture {
    static func snapshot(distinctAccessKeys: Int = 0, sessionsExpired: Int = 0, authenticationsSucceeded: Int = 0, authenticationsFailed: Int = 0,
                         connectionsDropped: Int = 0) -> String {
        """
        {"apiVersionsByClientSoftware":{},"authenticationFailuresByReason":{},"authenticationTimeouts":0,"authenticationsByClientSoftware":{},\
        "authenticationsByPrincipal":{},"authenticationsFailed":\(authenticationsFailed),"authenticationsSucceeded":\(authenticationsSucceeded),\
        "connectionsAccepted":0,"connectionsDropped":\(connectionsDropped),"connectionsOpen":0,"connectionsRefusedBrokerDown":0,\
        "connectionsRefusedOverLimit":0,"connectionsThrottled":0,"distinctAccessKeys":\(distinctAccessKeys),"distinctWebIdentityTokens":0,\
        "ecsCredentialRequests":0,"groupRequestsHeld":0,"idleTimeouts":0,"imdsCredentialRequests":0,"malformedFrames":0,\
        "reauthentications":0,"sessionsExpired":\(sessionsExpired),"stsCalls":{},"stsFailures":{},"unauthenticatedRequests":0,"upstreamConnections":0}
        """
    }

    static func producerRecord(type: String, elapsedS: Double, sent: Int, delivered: Int, rate: Double, tokenRefreshes: Int, rssBytes: Int) -> String {
        """
        {"type":"\(type)","elapsedS":\(elapsedS),"sent":\(sent),"delivered":\(delivered),"failed":0,"deadLettered":0,"rate":\(rate),\
        "inFlight":\(sent - delivered),"bufferMessages":\(sent - delivered),"bufferBytes":\((sent - delivered) * 300),"retries":0,"requestRetries":0,\
        "tokenRefreshes":\(tokenRefreshes),"tokenRefreshFailures":0,"credentialRefreshes":1,"credentialRefreshFailures":0,\
        "authenticationFailures":0,"reconnects":0,"rssBytes":\(rssBytes),"heapInUseBytes":1048576,"heapFreeBytes":2097152}
        """
    }

    static func consumerRecord(type: String, elapsedS: Double, consumed: Int, rate: Double, p50: Int, p99: Int) -> String {
        """
        {"type":"\(type)","elapsedS":\(elapsedS),"consumed":\(consumed),"unique":\(consumed),"duplicates":0,"corrupted":0,"outOfOrder":0,\
        "missing":0,"streams":2,"endedStreams":\(type == "summary" ? 2 : 0),"rate":\(rate),"intervalP50Ms":\(p50),"intervalP99Ms":\(p99),\
        "p50Ms":\(p50),"p90Ms":\(p99),"p99Ms":\(p99),"p999Ms":\(p99),"maxMs":\(p99),"tokenRefreshes":1,"reconnects":0,"rssBytes":20971520,\
        "rebalances":1,"committedAhead":0,"committedBehind":0}
        """
    }

    static let json = """
    {
      "startedAt": "2025-01-02T03:04:05Z",
      "settings": {"durationS": 4, "rate": 50, "size": 100, "streams": 2, "brokers": 3, "partitions": 2, "tokenLifetimeS": 10,
                   "credentialLifetimeS": 30, "messageTimeoutS": 10, "dropEveryS": 2, "brokerOutageLengthS": 12, "stsOutageLengthS": 20,
                   "command": "kafka-soak drive --duration 4 --label <b>&co"},
      "passed": true,
      "problems": [],
      "notes": ["a note with a < b & c > d"],
      "totals": {"sent": 200, "delivered": 200, "failed": 0, "consumedUnique": 200, "missing": 0, "duplicates": 0, "corrupted": 0,
                 "outOfOrder": 0, "retries": 0, "requestRetries": 0, "tokenRefreshes": 2, "credentialRotations": 1, "forcedDisconnects": 2,
                 "sessionsExpired": 1, "authenticationsSucceeded": 4, "authenticationsRefused": 0, "latencyP50Ms": 12, "latencyP99Ms": 40,
                 "latencyMaxMs": 41, "producerRSSStartMiB": 20, "producerRSSEndMiB": 21, "inLogUnique": 200, "inLogMissing": 0, "inLogDuplicates": 0,
                 "inLogTruncatedPartitions": 0},
      "producerExit": 0,
      "consumerExit": 0,
      "producer": [{"t": 2.0, "record": \(producerRecord(type: "progress", elapsedS: 2, sent: 100, delivered: 98, rate: 49, tokenRefreshes: 0, rssBytes: 20971520))},
                   {"t": 4.0, "record": \(producerRecord(type: "summary", elapsedS: 4, sent: 200, delivered: 200, rate: 51, tokenRefreshes: 1, rssBytes: 22020096))}],
      "consumer": [{"t": 2.5, "record": \(consumerRecord(type: "progress", elapsedS: 2.5, consumed: 98, rate: 40, p50: 12, p99: 40))},
                   {"t": 4.5, "record": \(consumerRecord(type: "summary", elapsedS: 4.5, consumed: 200, rate: 51, p50: 11, p99: 30))}],
      "broker": [{"t": 2.0, "record": \(snapshot(distinctAccessKeys: 1, authenticationsSucceeded: 2))},
                 {"t": 4.0, "record": \(snapshot(distinctAccessKeys: 2, sessionsExpired: 1, authenticationsSucceeded: 4, connectionsDropped: 2))}],
      "faults": [{"t": 1.0, "record": {"timeMs": 1735787046000, "kind": "drop_connections", "detail": "2 connections"}},
                 {"t": 3.0, "record": {"timeMs": 1735787048000, "kind": "broker_down", "detail": "broker 2 <down> & \\"out\\""}}],
      "audit": "complete",
      "consumerMode": "group",
      "rebalances": [{"t": 0.5, "record": {"type": "rebalance", "kind": "assigned", "partitions": [0, 1]}}],
      "authorization": {"decisions": [{"principal": "arn:aws:sts::123456789012:assumed-role/soak/s", "action": "kafka-cluster:WriteData",
                                       "resource": "arn:aws:kafka:us-east-1:123456789012:topic/local/abc/soak", "outcome": "denied", "count": 3}],
                        "denials": [{"sequence": 1, "timeMs": 1735787047000, "principal": "arn:aws:sts::123456789012:assumed-role/soak/s",
                                     "action": "kafka-cluster:WriteData", "resource": "arn:aws:kafka:us-east-1:123456789012:topic/local/abc/soak",
                                     "kind": "implicit"}]}
    }
    """

    static func report() throws -> SoakReport {
        try JSONDecoder().decode(SoakReport.self, from: Data(json.utf8))
    }
}
