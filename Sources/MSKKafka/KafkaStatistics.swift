import Metrics

/// librdkafka's statistics document (see STATISTICS.md), the fields operators watch. Unknown
/// fields are ignored; every field is optional so that a document from another librdkafka
/// version still decodes.
public struct KafkaStatistics: Sendable, Decodable {
    /// Client instance name.
    public var name: String?
    /// `client.id`.
    public var client_id: String?
    /// Messages in producer queues.
    public var msg_cnt: Int?
    /// Their bytes.
    public var msg_size: Int?
    /// Messages transmitted.
    public var txmsgs: Int?
    /// Bytes of messages transmitted.
    public var txmsg_bytes: Int?
    /// Per broker, by name.
    public var brokers: [String: Broker]?
    /// Per topic, by name.
    public var topics: [String: Topic]?

    /// One broker connection.
    public struct Broker: Sendable, Decodable {
        /// `host:port/id`.
        public var name: String?
        /// Broker id.
        public var nodeid: Int?
        /// `UP`, `DOWN`, `CONNECT`, `AUTH`, ...
        public var state: String?
        /// Connection attempts.
        public var connects: Int?
        /// Disconnects.
        public var disconnects: Int?
        /// Requests waiting to be sent.
        public var outbuf_cnt: Int?
        /// Messages waiting to be sent.
        public var outbuf_msg_cnt: Int?
        /// Transmission errors.
        public var txerrs: Int?
        /// Receive errors.
        public var rxerrs: Int?
        /// Request timeouts.
        public var req_timeouts: Int?
        /// Requests sent again (after a timeout or a lost connection).
        public var txretries: Int?
        /// Round-trip time, µs.
        public var rtt: Window?
    }

    /// A rolling window of a latency, in µs.
    public struct Window: Sendable, Decodable {
        /// Average.
        public var avg: Int?
        /// 99th percentile.
        public var p99: Int?
    }

    /// One topic.
    public struct Topic: Sendable, Decodable {
        /// Its name.
        public var topic: String?
        /// Per partition, by id (`-1` is the unassigned queue).
        public var partitions: [String: Partition]?
    }

    /// One partition.
    public struct Partition: Sendable, Decodable {
        /// Partition id.
        public var partition: Int?
        /// Messages queued.
        public var msgq_cnt: Int?
        /// Messages in flight to the broker.
        public var xmit_msgq_cnt: Int?
        /// Messages sent.
        public var txmsgs: Int?
        /// Consumer: the high watermark (or last stable offset) minus the committed offset;
        /// `-1` while either is unknown.
        public var consumer_lag: Int?
        /// Consumer: the last committed offset.
        public var committed_offset: Int?
        /// Consumer: `none`, `stopping`, `stopped`, `offset-query`, `offset-wait` or `active`.
        public var fetch_state: String?
    }

    /// Publishes the document through swift-metrics.
    func export() {
        let client = client_id ?? "unknown"
        if let msg_cnt { Gauge(label: "msk_kafka_queue_messages", dimensions: [("client_id", client)]).record(msg_cnt) }
        if let msg_size { Gauge(label: "msk_kafka_queue_bytes", dimensions: [("client_id", client)]).record(msg_size) }
        for (name, broker) in brokers ?? [:] {
            let labels = [("client_id", client), ("broker", name)]
            if let connects = broker.connects { Gauge(label: "msk_kafka_broker_connects", dimensions: labels).record(connects) }
            if let disconnects = broker.disconnects { Gauge(label: "msk_kafka_broker_disconnects", dimensions: labels).record(disconnects) }
            if let outbuf = broker.outbuf_cnt { Gauge(label: "msk_kafka_broker_outbuf_requests", dimensions: labels).record(outbuf) }
            if let rtt = broker.rtt?.avg { Gauge(label: "msk_kafka_broker_rtt_avg_us", dimensions: labels).record(rtt) }
            if let errors = broker.txerrs { Gauge(label: "msk_kafka_broker_tx_errors", dimensions: labels).record(errors) }
        }
        for (topicName, topic) in topics ?? [:] {
            for (partitionName, partition) in topic.partitions ?? [:] where partitionName != "-1" {
                let labels = [("client_id", client), ("topic", topicName), ("partition", partitionName)]
                if let queued = partition.msgq_cnt { Gauge(label: "msk_kafka_partition_queued_messages", dimensions: labels).record(queued) }
                // A consumer's lag on a partition it reads (librdkafka says -1 until it knows).
                if let lag = partition.consumer_lag, lag >= 0 { Gauge(label: "msk_kafka_consumer_lag", dimensions: labels).record(lag) }
            }
        }
    }
}
