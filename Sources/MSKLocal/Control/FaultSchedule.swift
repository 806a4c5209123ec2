/// Faults applied periodically, for soak runs: each kind on its own timer. `nil` intervals
/// are off.
public struct FaultSchedule: Sendable {
    /// Drop every client connection this often.
    public var dropConnectionsEvery: Duration?
    /// Take a broker down this often (brokers in turn) ...
    public var brokerOutageEvery: Duration?
    /// ... for this long.
    public var brokerOutageLength: Duration = .seconds(5)
    /// Make STS unavailable this often ...
    public var stsOutageEvery: Duration?
    /// ... for this long.
    public var stsOutageLength: Duration = .seconds(10)
    /// Refuse `rejectCount` authentications this often.
    public var rejectAuthenticationsEvery: Duration?
    /// How many authentications each rejection round refuses.
    public var rejectCount = 1

    /// No faults.
    public init() {}

    /// A schedule from seconds, as the command lines take it (msk-local's options and
    /// `kafka-soak drive`'s): `nil` intervals are off; every value given must be a finite number
    /// of seconds in (0, 86400], checked before it is converted (`Int64(1e300 * 1000)` traps).
    /// The parameters are named after the command-line options, and so is the refusal.
    public init(seconds dropEvery: Double?, brokerOutageEvery: Double?, brokerOutageLength: Double, stsOutageEvery: Double?, stsOutageLength: Double,
                rejectEvery: Double?, rejectCount: Int = 1) throws(OutOfRange) {
        func duration(_ value: Double?, _ option: String) throws(OutOfRange) -> Duration? {
            guard let value else { return nil }
            guard value.isFinite, value > 0, value <= 86_400 else { throw OutOfRange(option: option, value: value) }
            return .milliseconds(Int64(value * 1000))
        }
        dropConnectionsEvery = try duration(dropEvery, "drop-every")
        self.brokerOutageEvery = try duration(brokerOutageEvery, "broker-outage-every")
        self.brokerOutageLength = try duration(brokerOutageLength, "broker-outage-length")!
        self.stsOutageEvery = try duration(stsOutageEvery, "sts-outage-every")
        self.stsOutageLength = try duration(stsOutageLength, "sts-outage-length")!
        rejectAuthenticationsEvery = try duration(rejectEvery, "reject-every")
        self.rejectCount = rejectCount
    }

    /// A number of seconds ``init(seconds:brokerOutageEvery:brokerOutageLength:stsOutageEvery:stsOutageLength:rejectEvery:rejectCount:)``
    /// refused; `option` is the command-line option's name without its dashes.
    public struct OutOfRange: Error, Sendable, CustomStringConvertible {
        public let option: String
        public let value: Double
        public var description: String { "--\(option) must be a number of seconds in (0, 86400]" }
    }

    /// The longest interval or length accepted: a day. `Task.sleep` traps on durations it
    /// cannot represent, and nothing useful happens less often than daily in a test.
    public static let longest: Duration = .seconds(86_400)

    func validate() throws(MSKLocalError) {
        let intervals: [(String, Duration?)] = [
            ("dropConnectionsEvery", dropConnectionsEvery), ("brokerOutageEvery", brokerOutageEvery), ("brokerOutageLength", brokerOutageLength),
            ("stsOutageEvery", stsOutageEvery), ("stsOutageLength", stsOutageLength), ("rejectAuthenticationsEvery", rejectAuthenticationsEvery),
        ]
        for case let (name, interval?) in intervals where interval <= .zero || interval > Self.longest {
            throw .invalidConfiguration(name: name, reason: "\(interval) is outside (0 s, 1 day]")
        }
        guard (1...1_000_000).contains(rejectCount) else {
            throw .invalidConfiguration(name: "rejectCount", reason: "\(rejectCount) is outside 1...1000000")
        }
    }

    var isEmpty: Bool {
        dropConnectionsEvery == nil && brokerOutageEvery == nil && stsOutageEvery == nil && rejectAuthenticationsEvery == nil
    }

    /// Runs until cancelled.
    func run(_ actions: FaultActions, brokers: Int) async {
        await withTaskGroup(of: Void.self) { group in
            if let every = dropConnectionsEvery {
                group.addTask { await Self.repeating(every) { actions.dropConnections() } }
            }
            if let every = brokerOutageEvery {
                let length = brokerOutageLength
                group.addTask {
                    var next = 1
                    while !Task.isCancelled {
                        guard (try? await Task.sleep(for: every)) != nil else { return }
                        let broker = next
                        next = next % brokers + 1
                        try? actions.setBroker(broker, up: false)
                        try? await Task.sleep(for: length)
                        try? actions.setBroker(broker, up: true)
                    }
                }
            }
            if let every = stsOutageEvery {
                let seconds = Double(stsOutageLength.components.seconds) + Double(stsOutageLength.components.attoseconds) / 1e18
                group.addTask { await Self.repeating(every) { actions.stsDown(for: seconds) } }
            }
            if let every = rejectAuthenticationsEvery {
                let count = rejectCount
                group.addTask { await Self.repeating(every) { actions.rejectNextAuthentications(count) } }
            }
        }
    }

    private static func repeating(_ interval: Duration, _ body: @Sendable () -> Void) async {
        while (try? await Task.sleep(for: interval)) != nil { body() }
    }
}
