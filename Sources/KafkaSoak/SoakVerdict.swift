import Foundation
import MSKLocal

extension SoakReport {
    /// The report of a drive run, judged: totals from the children's last records and the broker's
    /// final counters, the problems that fail the run (anything lost, failed or corrupted, an exit
    /// status other than 0, committed offsets past what was read, duplicates nothing explains, an
    /// audit that disagrees) and notes on what is explained.
    /// - Parameter audit: the summary of the after-run read of the partition logs (nil: not read).
    package static func judging(startedAt: Date, settings: Settings, producer: [Timed<ProducerRecord>], consumer: [Timed<ConsumerRecord>],
                                broker: [Timed<MSKLocalCountersSnapshot>], rebalances: [Timed<RebalanceRecord>], final: MSKLocalCountersSnapshot,
                                faults: [Timed<MSKLocalEvent>], producerExit: Int32, consumerExit: Int32, audit: ConsumerRecord?) -> SoakReport {
        let producerSummary = producer.last(where: { $0.record.type == "summary" })?.record ?? producer.last?.record
        let consumerSummary = consumer.last(where: { $0.record.type == "summary" })?.record ?? consumer.last?.record
        let rss = producer.map { Double($0.record.rssBytes) / 1_048_576 }
        let totals = Totals(
            sent: producerSummary?.sent ?? 0, delivered: producerSummary?.delivered ?? 0, failed: producerSummary?.failed ?? 0,
            consumedUnique: consumerSummary?.unique ?? 0, missing: consumerSummary?.missing ?? 0, duplicates: consumerSummary?.duplicates ?? 0,
            corrupted: consumerSummary?.corrupted ?? 0, outOfOrder: consumerSummary?.outOfOrder ?? 0, retries: producerSummary?.retries ?? 0,
            requestRetries: producerSummary?.requestRetries ?? 0,
            tokenRefreshes: (producerSummary?.tokenRefreshes ?? 0) + (consumerSummary?.tokenRefreshes ?? 0),
            credentialRotations: final.distinctAccessKeys, forcedDisconnects: final.connectionsDropped, sessionsExpired: final.sessionsExpired,
            authenticationsSucceeded: final.authenticationsSucceeded, authenticationsRefused: final.authenticationsFailed,
            latencyP50Ms: consumerSummary?.p50Ms ?? 0, latencyP99Ms: consumerSummary?.p99Ms ?? 0, latencyMaxMs: consumerSummary?.maxMs ?? 0,
            producerRSSStartMiB: rss.dropFirst(rss.count / 4).first ?? 0, producerRSSEndMiB: rss.last ?? 0,
            inLogUnique: audit?.unique, inLogMissing: audit?.missing, inLogDuplicates: audit?.duplicates,
            inLogTruncatedPartitions: audit?.truncatedPartitions, inLogOutOfOrder: audit?.outOfOrder
        )
        var problems: [String] = []
        if producerExit != 0 { problems.append("producer exited with \(producerExit)") }
        if consumerExit != 0 { problems.append("consumer exited with \(consumerExit)") }
        if totals.failed > 0 { problems.append("\(totals.failed) messages failed") }
        if totals.missing > 0 { problems.append("\(totals.missing) messages lost") }
        if totals.corrupted > 0 { problems.append("\(totals.corrupted) messages corrupted") }
        if totals.consumedUnique < totals.delivered { problems.append("consumed \(totals.consumedUnique) of \(totals.delivered) delivered") }
        if let ahead = consumerSummary?.committedAhead, ahead > 0 {
            problems.append("the group's committed offsets of \(ahead) partitions are past the last message read: a restart would skip messages")
        }
        var notes: [String] = []
        if let behind = consumerSummary?.committedBehind {
            notes.append("consumer group: \(rebalances.count) rebalance events (partitions assigned, revoked or lost, counted per member); committed offsets checked after the run: "
                + (behind == 0 ? "every partition's at its last message read" : "\(behind) partitions behind the last message read (a restart reads those again)"))
        }
        if let audit, let truncated = audit.truncatedPartitions, truncated > 0 {
            // The mock keeps 5 MiB per partition: a long run outgrows it, and the audit can only
            // read what is left. The consumer, which read as the run went, is the account then.
            notes.append("the audit found \(audit.unique) of \(totals.delivered) delivered messages: the mock cluster had dropped the oldest "
                + "messages of \(truncated) partitions (it keeps 5 MiB per partition; use more partitions or smaller messages for a full audit)")
        } else if let audit {
            // Whether what the consumer missed is stored at all tells a client that lost messages
            // from a consumer that skipped them.
            if audit.missing > 0 || audit.unique < totals.delivered {
                problems.append("the partition logs hold \(audit.unique) of \(totals.delivered) delivered messages (\(audit.missing) missing there)")
            } else if totals.missing > 0 {
                problems.append("the partition logs hold every delivered message: the consumer skipped \(totals.missing)")
            }
        } else {
            problems.append("the audit read of the partition logs did not finish")
        }
        // A duplicate needs a produce that was sent twice: a message re-produced by the retry
        // layer after a timeout, or a request librdkafka sent again after a lost connection.
        // Duplicates the log does not hold were read twice by the consumer, not produced twice.
        // librdkafka counts a request it sends again (`txretries`), but not the messages an
        // idempotent producer puts back in its queue when a connection is lost with a Produce in
        // flight, and the mock cluster does not deduplicate them as a broker would: every lost
        // producer connection may explain a duplicate. One with none of these is unexplained.
        let storedDuplicates = (audit?.truncatedPartitions ?? 0) > 0 ? totals.duplicates : totals.inLogDuplicates ?? totals.duplicates
        let producerReconnects = producerSummary?.reconnects ?? 0
        if storedDuplicates > 0, totals.retries == 0, totals.requestRetries == 0, producerReconnects == 0 {
            problems.append("\(storedDuplicates) messages stored twice without any retried produce or lost producer connection: unexplained")
        }
        // The rest of the consumer's duplicates the log holds once: read again, not produced
        // twice — a group member resumes from the last committed offset after a rebalance.
        let readAgain = max(0, totals.duplicates - storedDuplicates)
        if readAgain > 0 {
            notes.append("\(readAgain) messages read again by the consumer that the log holds once: after a rebalance or a lost connection a member "
                + "resumes from the last committed offset (at least once)")
        }
        if storedDuplicates > 0 {
            notes.append("\(storedDuplicates) messages stored twice; produces sent twice: \(totals.retries) messages re-produced by the retry layer after a timeout "
                + "(the broker may have stored the first attempt), \(totals.requestRetries) requests librdkafka sent again, and \(producerReconnects) "
                + "producer reconnects, each of which may resend the Produce requests in flight (the mock cluster does not deduplicate them)")
        }
        if let breaks = producerSummary?.orderBreaks {
            notes.append("per-key ordering on: the producer reported \(breaks) order breaks (a key whose failed message was finally given up, or overtaken)")
        }
        if totals.outOfOrder > 0 { notes.append("\(totals.outOfOrder) messages arrived after a later one of their stream: re-produced messages land after newer ones") }
        let authFaults = faults.filter { $0.record.kind == "reject_authentications" }.count
        notes.append("\(totals.authenticationsRefused) authentications refused (\(authFaults) injected rejections; the rest by token expiry during STS outages)")
        return SoakReport(
            startedAt: ISO8601DateFormatter().string(from: startedAt), settings: settings, passed: problems.isEmpty, problems: problems, notes: notes,
            totals: totals, producerExit: producerExit, consumerExit: consumerExit, producer: producer, consumer: consumer,
            broker: broker, faults: faults, rebalances: rebalances
        )
    }
}
