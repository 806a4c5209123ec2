/// The JSON lines `kafka-soak produce` and `consume` print (one object per line on stdout), and
/// the soak driver reads.
package struct ProducerRecord: Codable {
    /// `progress` or `summary`.
    package var type: String
    package var elapsedS: Double
    package var sent: Int
    package var delivered: Int
    package var failed: Int
    package var deadLettered: Int
    /// Delivered per second since the previous record.
    package var rate: Double
    /// Sent and not yet settled.
    package var inFlight: Int
    package var bufferMessages: Int
    package var bufferBytes: Int
    /// Messages produced again by the library's retry layer.
    package var retries: Int
    /// Produce requests librdkafka sent again itself (after a lost connection), from its statistics.
    package var requestRetries: Int
    package var tokenRefreshes: Int
    package var tokenRefreshFailures: Int
    package var credentialRefreshes: Int
    package var credentialRefreshFailures: Int
    package var authenticationFailures: Int
    /// Broker connections beyond the first per broker (from librdkafka's statistics).
    package var reconnects: Int
    package var rssBytes: Int
    /// glibc's heap: in use, and freed but kept (absent in reports from before it was recorded).
    package var heapInUseBytes: Int?
    package var heapFreeBytes: Int?
    /// Delivery reports with no offset (the broker took the batch for a duplicate).
    package var deliveredWithoutOffset: Int?
    /// With `--ordering per-key`: the keys' order breaks the producer reported (nil without).
    package var orderBreaks: Int?

    package init(type: String, elapsedS: Double, sent: Int, delivered: Int, failed: Int, deadLettered: Int, rate: Double, inFlight: Int,
                 bufferMessages: Int, bufferBytes: Int, retries: Int, requestRetries: Int, tokenRefreshes: Int, tokenRefreshFailures: Int,
                 credentialRefreshes: Int, credentialRefreshFailures: Int, authenticationFailures: Int, reconnects: Int, rssBytes: Int,
                 heapInUseBytes: Int? = nil, heapFreeBytes: Int? = nil, deliveredWithoutOffset: Int? = nil, orderBreaks: Int? = nil) {
        self.type = type
        self.elapsedS = elapsedS
        self.sent = sent
        self.delivered = delivered
        self.failed = failed
        self.deadLettered = deadLettered
        self.rate = rate
        self.inFlight = inFlight
        self.bufferMessages = bufferMessages
        self.bufferBytes = bufferBytes
        self.retries = retries
        self.requestRetries = requestRetries
        self.tokenRefreshes = tokenRefreshes
        self.tokenRefreshFailures = tokenRefreshFailures
        self.credentialRefreshes = credentialRefreshes
        self.credentialRefreshFailures = credentialRefreshFailures
        self.authenticationFailures = authenticationFailures
        self.reconnects = reconnects
        self.rssBytes = rssBytes
        self.heapInUseBytes = heapInUseBytes
        self.heapFreeBytes = heapFreeBytes
        self.deliveredWithoutOffset = deliveredWithoutOffset
        self.orderBreaks = orderBreaks
    }
}

package struct ConsumerRecord: Codable {
    /// `progress` or `summary`.
    package var type: String
    package var elapsedS: Double
    package var consumed: Int
    package var unique: Int
    package var duplicates: Int
    package var corrupted: Int
    package var outOfOrder: Int
    package var missing: Int
    package var streams: Int
    package var endedStreams: Int
    /// Consumed per second since the previous record.
    package var rate: Double
    /// End-to-end latency (ms) since the previous record.
    package var intervalP50Ms: Int64
    package var intervalP99Ms: Int64
    /// Over the whole run.
    package var p50Ms: Int64
    package var p90Ms: Int64
    package var p99Ms: Int64
    package var p999Ms: Int64
    package var maxMs: Int64
    package var tokenRefreshes: Int
    package var reconnects: Int
    package var rssBytes: Int
    /// Partitions whose first message read had an offset above 0: read from the beginning, that
    /// means the log had already dropped its oldest messages (librdkafka's mock cluster keeps
    /// 5 MiB per partition).
    package var truncatedPartitions: Int?
    /// Rebalances this consumer saw (group mode).
    package var rebalances: Int?
    /// Summary only, group mode: partitions whose committed offset at the end was past the last
    /// message read (a restart would skip messages) and short of it (it would read some again).
    package var committedAhead: Int?
    package var committedBehind: Int?

    package init(type: String, elapsedS: Double, consumed: Int, unique: Int, duplicates: Int, corrupted: Int, outOfOrder: Int, missing: Int,
                 streams: Int, endedStreams: Int, rate: Double, intervalP50Ms: Int64, intervalP99Ms: Int64, p50Ms: Int64, p90Ms: Int64, p99Ms: Int64,
                 p999Ms: Int64, maxMs: Int64, tokenRefreshes: Int, reconnects: Int, rssBytes: Int, truncatedPartitions: Int? = nil,
                 rebalances: Int? = nil, committedAhead: Int? = nil, committedBehind: Int? = nil) {
        self.type = type
        self.elapsedS = elapsedS
        self.consumed = consumed
        self.unique = unique
        self.duplicates = duplicates
        self.corrupted = corrupted
        self.outOfOrder = outOfOrder
        self.missing = missing
        self.streams = streams
        self.endedStreams = endedStreams
        self.rate = rate
        self.intervalP50Ms = intervalP50Ms
        self.intervalP99Ms = intervalP99Ms
        self.p50Ms = p50Ms
        self.p90Ms = p90Ms
        self.p99Ms = p99Ms
        self.p999Ms = p999Ms
        self.maxMs = maxMs
        self.tokenRefreshes = tokenRefreshes
        self.reconnects = reconnects
        self.rssBytes = rssBytes
        self.truncatedPartitions = truncatedPartitions
        self.rebalances = rebalances
        self.committedAhead = committedAhead
        self.committedBehind = committedBehind
    }
}

/// One rebalance the soak's consumer saw: `{"type":"rebalance","kind":"assigned","partitions":[0,3]}`.
package struct RebalanceRecord: Codable {
    package var type = "rebalance"
    /// `assigned`, `revoked` or `lost`.
    package var kind: String
    package var partitions: [Int32]
    /// Which member of the consumer process saw it (0-based), when it runs more than one.
    package var member: Int?

    package init(type: String = "rebalance", kind: String, partitions: [Int32], member: Int? = nil) {
        self.type = type
        self.kind = kind
        self.partitions = partitions
        self.member = member
    }
}
