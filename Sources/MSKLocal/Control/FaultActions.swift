import Foundation
import MSKKafka

/// Every fault msk-local can apply, each recorded in the event log. Used by the control API,
/// the fault schedule and in-process tests alike.
public final class FaultActions: Sendable {
    /// Faults that the gateway and STS consult.
    public let faults: MSKLocalFaults
    /// What was applied, when.
    public let events: MSKLocalEventLog
    private let cluster: MockKafkaCluster
    private let brokerCount: Int
    private let dropConnectionsNow: @Sendable () -> Int

    init(faults: MSKLocalFaults, events: MSKLocalEventLog, cluster: MockKafkaCluster, brokerCount: Int, dropConnections: @escaping @Sendable () -> Int) {
        self.faults = faults
        self.events = events
        self.cluster = cluster
        self.brokerCount = brokerCount
        self.dropConnectionsNow = dropConnections
    }

    /// Closes every client connection through the gateway; returns how many there were.
    @discardableResult
    public func dropConnections() -> Int {
        let dropped = dropConnectionsNow()
        events.record("drop_connections", "\(dropped) connections")
        return dropped
    }

    /// Takes upstream broker `id` (1-based) down or brings it back.
    public func setBroker(_ id: Int, up: Bool) throws(MSKLocalError) {
        guard (1...brokerCount).contains(id) else {
            throw .invalidConfiguration(name: "broker", reason: "\(id) is outside 1...\(brokerCount)")
        }
        cluster.setBroker(Int32(id), up: up)
        events.record(up ? "broker_up" : "broker_down", "broker \(id)")
    }

    /// STS answers 503 for `seconds` (0: back now).
    public func stsDown(for seconds: Double) {
        faults.stsDown(until: seconds > 0 ? Date().addingTimeInterval(seconds) : nil)
        events.record(seconds > 0 ? "sts_down" : "sts_up", seconds > 0 ? "for \(seconds) s" : "")
    }

    /// The next `count` STS calls fail with `fault`.
    public func failNextSTSCalls(_ count: Int, with fault: STSFault) {
        faults.failNextSTSCalls(count, with: fault)
        events.record("sts_fail", "next \(count) calls: \(fault.rawValue)")
    }

    /// The next `count` authentications are refused.
    public func rejectNextAuthentications(_ count: Int) {
        faults.rejectNextAuthentications(count)
        events.record("reject_authentications", "next \(count)")
    }

    /// msk-local's clock runs `seconds` ahead (negative: behind).
    public func setClockSkew(_ seconds: Double) {
        faults.setClockSkew(seconds)
        events.record("clock_skew", "\(seconds) s")
    }

    /// Every SaslAuthenticate answer waits `milliseconds`.
    public func setAuthenticationDelay(milliseconds: Int) {
        faults.setAuthenticationDelay(.milliseconds(milliseconds))
        events.record("auth_delay", "\(milliseconds) ms")
    }

    /// Clears every fault and brings every broker up.
    public func reset() {
        faults.reset()
        for id in 1...brokerCount { cluster.setBroker(Int32(id), up: true) }
        events.record("reset")
    }
}
