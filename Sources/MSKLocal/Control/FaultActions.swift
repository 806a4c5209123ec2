import Foundation

/// Every fault msk-local can apply, each recorded in the event log. Used by the control API,
/// the fault schedule and in-process tests alike.
public final class FaultActions: Sendable {
    /// Faults that the gateway and STS consult.
    public let faults: MSKLocalFaults
    /// What was applied, when.
    public let events: MSKLocalEventLog
    private let gateway: KafkaGateway
    private let brokerCount: Int

    init(faults: MSKLocalFaults, events: MSKLocalEventLog, gateway: KafkaGateway, brokerCount: Int) {
        self.faults = faults
        self.events = events
        self.gateway = gateway
        self.brokerCount = brokerCount
    }

    /// Closes every client connection through the gateway; returns how many there were.
    @discardableResult
    public func dropConnections() -> Int {
        let dropped = gateway.dropAllConnections()
        events.record("drop_connections", "\(dropped) connections")
        return dropped
    }

    /// Takes broker `id` (1-based) down or brings it back: its gateway listener closes every
    /// connection and closes new ones at once, as a broker that is down would. The mock broker
    /// behind it is never touched (librdkafka 2.0.2's mock aborts the process when it cannot
    /// bind its port again).
    public func setBroker(_ id: Int, up: Bool) throws(MSKLocalError) {
        guard (1...brokerCount).contains(id) else {
            throw .invalidConfiguration(name: "broker", reason: "\(id) is outside 1...\(brokerCount)")
        }
        gateway.setListener(id - 1, down: !up)
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
        for index in 0..<brokerCount { gateway.setListener(index, down: false) }
        events.record("reset")
    }
}
