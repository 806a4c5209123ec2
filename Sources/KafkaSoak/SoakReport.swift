import Foundation
import MSKLocal

/// Everything a soak run produced: settings, time series, faults and the verdict. Written as
/// `report.json`; `report.html` is drawn from it.
package struct SoakReport: Codable {
    package struct Settings: Codable {
        package var durationS: Double
        package var rate: Double
        package var size: Int
        package var streams: Int
        package var brokers: Int
        package var partitions: Int
        package var tokenLifetimeS: Int
        package var credentialLifetimeS: Int
        package var messageTimeoutS: Double
        package var dropEveryS: Double?
        package var brokerOutageEveryS: Double?
        package var brokerOutageLengthS: Double
        package var stsOutageEveryS: Double?
        package var stsOutageLengthS: Double
        package var rejectEveryS: Double?
        package var command: String

        package init(durationS: Double, rate: Double, size: Int, streams: Int, brokers: Int, partitions: Int, tokenLifetimeS: Int,
                     credentialLifetimeS: Int, messageTimeoutS: Double, dropEveryS: Double? = nil, brokerOutageEveryS: Double? = nil,
                     brokerOutageLengthS: Double, stsOutageEveryS: Double? = nil, stsOutageLengthS: Double, rejectEveryS: Double? = nil,
                     command: String) {
            self.durationS = durationS
            self.rate = rate
            self.size = size
            self.streams = streams
            self.brokers = brokers
            self.partitions = partitions
            self.tokenLifetimeS = tokenLifetimeS
            self.credentialLifetimeS = credentialLifetimeS
            self.messageTimeoutS = messageTimeoutS
            self.dropEveryS = dropEveryS
            self.brokerOutageEveryS = brokerOutageEveryS
            self.brokerOutageLengthS = brokerOutageLengthS
            self.stsOutageEveryS = stsOutageEveryS
            self.stsOutageLengthS = stsOutageLengthS
            self.rejectEveryS = rejectEveryS
            self.command = command
        }
    }

    /// A record from a child, stamped with the driver's clock (seconds since the run began).
    package struct Timed<Record: Codable>: Codable {
        package var t: Double
        package var record: Record

        package init(t: Double, record: Record) {
            self.t = t
            self.record = record
        }
    }

    package struct Totals: Codable {
        package var sent: Int
        package var delivered: Int
        package var failed: Int
        package var consumedUnique: Int
        package var missing: Int
        package var duplicates: Int
        package var corrupted: Int
        package var outOfOrder: Int
        package var retries: Int
        package var requestRetries: Int
        package var tokenRefreshes: Int
        package var credentialRotations: Int
        package var forcedDisconnects: Int
        package var sessionsExpired: Int
        package var authenticationsSucceeded: Int
        package var authenticationsRefused: Int
        package var latencyP50Ms: Int64
        package var latencyP99Ms: Int64
        package var latencyMaxMs: Int64
        package var producerRSSStartMiB: Double
        package var producerRSSEndMiB: Double
        /// Distinct messages found by reading the partition logs again after the run, over the
        /// raw listeners, how many of the sent ones were not there and how many were stored twice
        /// (nil: not read).
        package var inLogUnique: Int?
        package var inLogMissing: Int?
        package var inLogDuplicates: Int?
        /// Partitions whose oldest messages the mock cluster had dropped before the audit read
        /// them (it keeps 5 MiB per partition): then the audit covers only what is left.
        package var inLogTruncatedPartitions: Int?
        /// Messages stored after a later one of their stream, as the audit read the logs: the
        /// order the broker holds, whatever the consumer group read again.
        package var inLogOutOfOrder: Int?

        package init(sent: Int, delivered: Int, failed: Int, consumedUnique: Int, missing: Int, duplicates: Int, corrupted: Int, outOfOrder: Int,
                     retries: Int, requestRetries: Int, tokenRefreshes: Int, credentialRotations: Int, forcedDisconnects: Int, sessionsExpired: Int,
                     authenticationsSucceeded: Int, authenticationsRefused: Int, latencyP50Ms: Int64, latencyP99Ms: Int64, latencyMaxMs: Int64,
                     producerRSSStartMiB: Double, producerRSSEndMiB: Double, inLogUnique: Int? = nil, inLogMissing: Int? = nil,
                     inLogDuplicates: Int? = nil, inLogTruncatedPartitions: Int? = nil, inLogOutOfOrder: Int? = nil) {
            self.sent = sent
            self.delivered = delivered
            self.failed = failed
            self.consumedUnique = consumedUnique
            self.missing = missing
            self.duplicates = duplicates
            self.corrupted = corrupted
            self.outOfOrder = outOfOrder
            self.retries = retries
            self.requestRetries = requestRetries
            self.tokenRefreshes = tokenRefreshes
            self.credentialRotations = credentialRotations
            self.forcedDisconnects = forcedDisconnects
            self.sessionsExpired = sessionsExpired
            self.authenticationsSucceeded = authenticationsSucceeded
            self.authenticationsRefused = authenticationsRefused
            self.latencyP50Ms = latencyP50Ms
            self.latencyP99Ms = latencyP99Ms
            self.latencyMaxMs = latencyMaxMs
            self.producerRSSStartMiB = producerRSSStartMiB
            self.producerRSSEndMiB = producerRSSEndMiB
            self.inLogUnique = inLogUnique
            self.inLogMissing = inLogMissing
            self.inLogDuplicates = inLogDuplicates
            self.inLogTruncatedPartitions = inLogTruncatedPartitions
            self.inLogOutOfOrder = inLogOutOfOrder
        }
    }

    package var startedAt: String
    package var settings: Settings
    package var passed: Bool
    package var problems: [String]
    package var notes: [String]
    package var totals: Totals
    package var producerExit: Int32
    package var consumerExit: Int32
    package var producer: [Timed<ProducerRecord>]
    package var consumer: [Timed<ConsumerRecord>]
    package var broker: [Timed<MSKLocalCountersSnapshot>]
    /// Faults, seconds since the run began.
    package var faults: [Timed<MSKLocalEvent>]
    /// The after-run read of the partition logs over the raw listeners: `complete` (every
    /// partition read from offset 0), `partial` (some had lost their oldest messages to the
    /// mock's retention) or `not read`.
    package var audit = "not read"
    /// How the soak's consumer read: `group` (a consumer group) or `assign` (by assignment).
    package var consumerMode = "assign"
    /// Group mode: how many members the soak's consumer group had.
    package var groupMembers: Int?
    /// Every rebalance the consumer saw (group mode), with the driver's time.
    package var rebalances: [Timed<RebalanceRecord>] = []
    /// With `--policy`: msk-local's authorization decisions and its denials (nil: no policy).
    package var authorization: Authorization?

    package struct Authorization: Codable {
        package var decisions: [MSKAuthorizationDecisionCount]
        /// The most recent denials msk-local kept (at most 1,000).
        package var denials: [MSKAuthorizationDenial]

        package init(decisions: [MSKAuthorizationDecisionCount], denials: [MSKAuthorizationDenial]) {
            self.decisions = decisions
            self.denials = denials
        }
    }

    package init(startedAt: String, settings: Settings, passed: Bool, problems: [String], notes: [String], totals: Totals, producerExit: Int32,
                 consumerExit: Int32, producer: [Timed<ProducerRecord>], consumer: [Timed<ConsumerRecord>], broker: [Timed<MSKLocalCountersSnapshot>],
                 faults: [Timed<MSKLocalEvent>], audit: String = "not read", consumerMode: String = "assign",
                 rebalances: [Timed<RebalanceRecord>] = [], authorization: Authorization? = nil) {
        self.startedAt = startedAt
        self.settings = settings
        self.passed = passed
        self.problems = problems
        self.notes = notes
        self.totals = totals
        self.producerExit = producerExit
        self.consumerExit = consumerExit
        self.producer = producer
        self.consumer = consumer
        self.broker = broker
        self.faults = faults
        self.audit = audit
        self.consumerMode = consumerMode
        self.rebalances = rebalances
        self.authorization = authorization
    }
}
