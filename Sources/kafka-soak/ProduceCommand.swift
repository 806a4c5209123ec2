import ArgumentParser
import Foundation
import KafkaCommandLine
import KafkaSoak
import Logging
import MSKKafka
import Synchronization

/// `kafka-soak produce`: sequenced, checksummed messages at a target rate against any cluster,
/// with a progress line every few seconds and a JSON summary; exits non-zero if anything failed.
struct ProduceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Produce soak messages (producer id, stream, sequence, timestamp, checksum) at a rate; JSON progress lines and summary on stdout."
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "Topic.")
    var topic = "soak"

    @Option(help: "Seconds to produce for (or use --count).")
    var duration: Double?

    @Option(help: "Messages to produce (or use --duration).")
    var count: Int?

    @Option(help: "Messages per second (0 = as fast as possible).")
    var rate: Double = 1000

    @Option(help: "Message size in bytes.")
    var size = 200

    @Option(help: "Producer id carried in every message (default: p<pid>).")
    var producerId: String?

    @Option(help: "Streams (keys) per producer; each is checked for order by the consumer.")
    var streams = 4

    @Option(help: "Put stream s on partition s % N (default: the partitioner's choice by key).")
    var partitions: Int?

    @Option(help: "librdkafka message.timeout.ms, in seconds.")
    var messageTimeout: Double = 30

    @Option(help: "Retries of the library's retry layer after a message timeout or other retriable failure.")
    var maxRetries = 100

    @Option(help: "Order the producer keeps: per-key (the library's default) or none (each timed-out attempt produced again, after later messages).")
    var ordering: SoakOrdering = .perKey

    @Option(help: "Dead-letter file for messages that finally fail.")
    var deadLetterPath: String?

    @Option(help: "Seconds between progress lines.")
    var progressEvery: Double = 5

    @Option(help: "Log level for the client's own logs (stderr).")
    var logLevel = "critical"

    func validate() throws {
        guard (duration == nil) != (count == nil) else { throw ValidationError("give exactly one of --duration and --count") }
        guard streams > 0, size > 0, rate >= 0, progressEvery > 0 else { throw ValidationError("--streams, --size and --progress-every must be positive, --rate non-negative") }
        if let partitions, partitions < 1 { throw ValidationError("--partitions must be positive") }
    }

    /// The partition of stream `stream` when the layout is given (`--partitions`).
    func partition(of stream: Int) -> Int32? {
        partitions.map { Int32(stream % $0) }
    }

    func run() async throws {
        var logger = Logger(label: "kafka-soak.produce")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .critical
        let id = producerId ?? "p\(getpid())"
        let (credentials, kafka) = try connection.connection(clientID: "kafka-soak-\(id)", statisticsInterval: .seconds(1), logger: logger)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(
            connection: kafka, messageTimeout: .milliseconds(Int64(messageTimeout * 1000)),
            delivery: .init(maxRetries: maxRetries, retryBackoff: .milliseconds(200), maxRetryBackoff: .seconds(5), deadLetterPath: deadLetterPath,
                            ordering: ordering == .perKey ? .perKey : .none)
        ), logger: logger)

        let tally = ProduceTally()
        let start = ContinuousClock.now
        let statistics = Task {
            for await snapshot in producer.statistics {
                let requestRetries = (snapshot.brokers ?? [:]).values.reduce(0) { $0 + ($1.txretries ?? 0) }
                tally.state.withLock {
                    $0.requestRetries = requestRetries
                    $0.statisticsSeen += 1
                }
            }
        }
        func record(_ type: String, previous: inout (delivered: Int, at: ContinuousClock.Instant)) -> ProducerRecord {
            let now = ContinuousClock.now
            let state = tally.state.withLock { $0 }
            let interval = (now - previous.at) / .seconds(1)
            let depth = producer.bufferDepth
            let status = credentials?.status
            let heap = HeapUsage.current()
            let result = ProducerRecord(
                type: type, elapsedS: (now - start) / .seconds(1), sent: state.sent, delivered: state.delivered, failed: state.failed,
                deadLettered: producer.counters.deadLettered.value, rate: interval > 0 ? Double(state.delivered - previous.delivered) / interval : 0,
                inFlight: state.sent - state.delivered - state.failed, bufferMessages: depth.messages, bufferBytes: depth.bytes,
                retries: producer.counters.retries.value, requestRetries: state.requestRetries, tokenRefreshes: producer.counters.tokenRefreshes.value,
                tokenRefreshFailures: producer.counters.tokenRefreshFailures.value, credentialRefreshes: status?.refreshCount ?? 0,
                credentialRefreshFailures: status?.failureCount ?? 0, authenticationFailures: producer.counters.authenticationFailures.value,
                reconnects: producer.counters.reconnects.value, rssBytes: residentMemoryBytes(),
                heapInUseBytes: heap?.inUseBytes, heapFreeBytes: heap?.freeBytes, deliveredWithoutOffset: state.deliveredWithoutOffset,
                orderBreaks: ordering == .perKey ? producer.counters.orderBreaks.value : nil
            )
            previous = (state.delivered, now)
            return result
        }
        let progress = Task {
            var previous = (delivered: 0, at: start)
            while (try? await Task.sleep(for: .milliseconds(Int64(progressEvery * 1000)))) != nil {
                let line = record("progress", previous: &previous)
                emitJSONLine(line)
                emitText(String(format: "[%6.1fs] sent %d delivered %d (%.0f/s) failed %d in-flight %d buffer %d retries %d token-refreshes %d credential-refreshes %d reconnects %d rss %d MiB (heap in use %d, free %d)",
                                line.elapsedS, line.sent, line.delivered, line.rate, line.failed, line.inFlight, line.bufferMessages, line.retries,
                                line.tokenRefreshes, line.credentialRefreshes, line.reconnects, line.rssBytes >> 20, (line.heapInUseBytes ?? 0) >> 20, (line.heapFreeBytes ?? 0) >> 20))
            }
        }

        var sequences = [Int](repeating: 0, count: streams)
        var produced = 0
        let end = duration.map { start + .milliseconds(Int64($0 * 1000)) }
        while end.map({ ContinuousClock.now < $0 }) ?? (produced < count!) {
            let stream = produced % streams
            let streamID = "\(id)-\(stream)"
            let payload = SoakPayload(streamID: streamID, sequence: sequences[stream], sentMs: Int64(Date().timeIntervalSince1970 * 1000))
            sequences[stream] += 1
            tally.state.withLock { $0.sent += 1 }
            try await producer.enqueue(KafkaProducerMessage(topic: topic, partition: partition(of: stream), key: Array(streamID.utf8), value: payload.encoded(size: size))) { result in
                tally.state.withLock { state in
                    switch result {
                    case .success(let report):
                        state.delivered += 1
                        // librdkafka reports a batch the broker called a duplicate
                        // (DUPLICATE_SEQUENCE_NUMBER) as delivered, with no offset.
                        if report.offset < 0 { state.deliveredWithoutOffset += 1 }
                    case .failure: state.failed += 1
                    }
                }
            }
            produced += 1
            if rate > 0 {
                let due = start + .milliseconds(Int64(Double(produced) / rate * 1000))
                if due > ContinuousClock.now { try await Task.sleep(until: due) }
            }
        }
        _ = await producer.flush(timeout: .seconds(300))
        // One end marker per stream: its sequence is how many messages the stream sent.
        for stream in 0..<streams {
            let streamID = "\(id)-\(stream)"
            let marker = SoakPayload(streamID: streamID, sequence: sequences[stream], sentMs: Int64(Date().timeIntervalSince1970 * 1000), isEnd: true)
            _ = try? await producer.send(KafkaProducerMessage(topic: topic, partition: partition(of: stream), key: Array(streamID.utf8), value: marker.encoded(size: size)))
        }
        // The request retries come from librdkafka's statistics: wait for a document emitted after
        // the flush, so a retry in the last second is counted too.
        let seen = tally.state.withLock { $0.statisticsSeen }
        let statisticsDeadline = ContinuousClock.now + .seconds(3)
        while tally.state.withLock({ $0.statisticsSeen }) < seen + 2, ContinuousClock.now < statisticsDeadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        progress.cancel()
        var previous = (delivered: 0, at: start)
        let summary = record("summary", previous: &previous)
        await producer.shutdown()
        statistics.cancel()
        emitJSONLine(summary)
        if summary.failed > 0 || summary.delivered != summary.sent {
            emitText("FAILED: \(summary.failed) messages failed, \(summary.sent - summary.delivered - summary.failed) unsettled")
            throw ExitCode(1)
        }
    }
}

/// Counts shared by the producing loop, delivery callbacks and the progress task.
final class ProduceTally: Sendable {
    struct State {
        var sent = 0
        var delivered = 0
        var failed = 0
        var requestRetries = 0
        var deliveredWithoutOffset = 0
        var statisticsSeen = 0
    }

    let state = Mutex(State())
}

/// The order `kafka-soak produce`'s retry layer keeps (`DeliveryPolicy.ordering`).
enum SoakOrdering: String, ExpressibleByArgument, CaseIterable {
    case none
    case perKey = "per-key"
}
