/// The JSON lines `kafka-soak produce` and `consume` print (one object per line on stdout), and
/// the soak driver reads.
struct ProducerRecord: Codable {
    /// `progress` or `summary`.
    var type: String
    var elapsedS: Double
    var sent: Int
    var delivered: Int
    var failed: Int
    var deadLettered: Int
    /// Delivered per second since the previous record.
    var rate: Double
    /// Sent and not yet settled.
    var inFlight: Int
    var bufferMessages: Int
    var bufferBytes: Int
    /// Messages produced again by the library's retry layer.
    var retries: Int
    /// Produce requests librdkafka sent again itself (after a lost connection), from its statistics.
    var requestRetries: Int
    var tokenRefreshes: Int
    var tokenRefreshFailures: Int
    var credentialRefreshes: Int
    var credentialRefreshFailures: Int
    var authenticationFailures: Int
    /// Broker connections beyond the first per broker (from librdkafka's statistics).
    var reconnects: Int
    var rssBytes: Int
    /// glibc's heap: in use, and freed but kept (absent in reports from before it was recorded).
    var heapInUseBytes: Int?
    var heapFreeBytes: Int?
    /// Delivery reports with no offset (the broker took the batch for a duplicate).
    var deliveredWithoutOffset: Int?
}

struct ConsumerRecord: Codable {
    /// `progress` or `summary`.
    var type: String
    var elapsedS: Double
    var consumed: Int
    var unique: Int
    var duplicates: Int
    var corrupted: Int
    var outOfOrder: Int
    var missing: Int
    var streams: Int
    var endedStreams: Int
    /// Consumed per second since the previous record.
    var rate: Double
    /// End-to-end latency (ms) since the previous record.
    var intervalP50Ms: Int64
    var intervalP99Ms: Int64
    /// Over the whole run.
    var p50Ms: Int64
    var p90Ms: Int64
    var p99Ms: Int64
    var p999Ms: Int64
    var maxMs: Int64
    var tokenRefreshes: Int
    var reconnects: Int
    var rssBytes: Int
    /// Partitions whose first message read had an offset above 0: read from the beginning, that
    /// means the log had already dropped its oldest messages (librdkafka's mock cluster keeps
    /// 5 MiB per partition).
    var truncatedPartitions: Int?
    /// Rebalances this consumer saw (group mode).
    var rebalances: Int?
    /// Summary only, group mode: partitions whose committed offset at the end was past the last
    /// message read (a restart would skip messages) and short of it (it would read some again).
    var committedAhead: Int?
    var committedBehind: Int?
}

/// One rebalance the soak's consumer saw: `{"type":"rebalance","kind":"assigned","partitions":[0,3]}`.
struct RebalanceRecord: Codable {
    var type = "rebalance"
    /// `assigned`, `revoked` or `lost`.
    var kind: String
    var partitions: [Int32]
}
