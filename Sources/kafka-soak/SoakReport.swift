import Foundation
import MSKLocal

/// Everything a soak run produced: settings, time series, faults and the verdict. Written as
/// `report.json`; `report.html` is drawn from it.
struct SoakReport: Codable {
    struct Settings: Codable {
        var durationS: Double
        var rate: Double
        var size: Int
        var streams: Int
        var brokers: Int
        var partitions: Int
        var tokenLifetimeS: Int
        var credentialLifetimeS: Int
        var messageTimeoutS: Double
        var dropEveryS: Double?
        var brokerOutageEveryS: Double?
        var brokerOutageLengthS: Double
        var stsOutageEveryS: Double?
        var stsOutageLengthS: Double
        var rejectEveryS: Double?
        var command: String
    }

    /// A record from a child, stamped with the driver's clock (seconds since the run began).
    struct Timed<Record: Codable>: Codable {
        var t: Double
        var record: Record
    }

    struct Totals: Codable {
        var sent: Int
        var delivered: Int
        var failed: Int
        var consumedUnique: Int
        var missing: Int
        var duplicates: Int
        var corrupted: Int
        var outOfOrder: Int
        var retries: Int
        var requestRetries: Int
        var tokenRefreshes: Int
        var credentialRotations: Int
        var forcedDisconnects: Int
        var sessionsExpired: Int
        var authenticationsSucceeded: Int
        var authenticationsRefused: Int
        var latencyP50Ms: Int64
        var latencyP99Ms: Int64
        var latencyMaxMs: Int64
        var producerRSSStartMiB: Double
        var producerRSSEndMiB: Double
        /// Distinct messages found by reading the partition logs again after the run, over the
        /// raw listeners, how many of the sent ones were not there and how many were stored twice
        /// (nil: not read).
        var inLogUnique: Int?
        var inLogMissing: Int?
        var inLogDuplicates: Int?
        /// Partitions whose oldest messages the mock cluster had dropped before the audit read
        /// them (it keeps 5 MiB per partition): then the audit covers only what is left.
        var inLogTruncatedPartitions: Int?
    }

    var startedAt: String
    var settings: Settings
    var passed: Bool
    var problems: [String]
    var notes: [String]
    var totals: Totals
    var producerExit: Int32
    var consumerExit: Int32
    var producer: [Timed<ProducerRecord>]
    var consumer: [Timed<ConsumerRecord>]
    var broker: [Timed<MSKLocalCountersSnapshot>]
    /// Faults, seconds since the run began.
    var faults: [Timed<MSKLocalEvent>]
    /// The after-run read of the partition logs over the raw listeners: `complete` (every
    /// partition read from offset 0), `partial` (some had lost their oldest messages to the
    /// mock's retention) or `not read`.
    var audit = "not read"
    /// How the soak's consumer read: `group` (a consumer group) or `assign` (by assignment).
    var consumerMode = "assign"
    /// Every rebalance the consumer saw (group mode), with the driver's time.
    var rebalances: [Timed<RebalanceRecord>] = []
    /// With `--policy`: msk-local's authorization decisions and its denials (nil: no policy).
    var authorization: Authorization?

    struct Authorization: Codable {
        var decisions: [MSKAuthorizationDecisionCount]
        /// The most recent denials msk-local kept (at most 1,000).
        var denials: [MSKAuthorizationDenial]
    }
}
