import ArgumentParser
import Foundation
import KafkaCommandLine
import KafkaSoak
import Logging
import MSKKafka
import MSKLocal
import Synchronization

/// Producer and consumer against an in-process mock cluster, with brokers taken down on a
/// schedule; exits non-zero on any lost or corrupted message.
struct LocalSoak: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "local",
        abstract: "Soak against librdkafka's in-process mock cluster (3 brokers), with broker outages; prints progress and a JSON summary."
    )

    @Option(help: "How long to produce, in seconds.")
    var duration: Double = 30

    @Option(help: "Messages per second (0 = as fast as possible).")
    var rate: Double = 2000

    @Option(help: "Message size in bytes.")
    var size = 200

    @Option(help: "Producers (each with its own key, so its own partition).")
    var producers = 3

    @Option(help: "Take a random broker down every N seconds (0 = never).")
    var outageEvery: Double = 10

    @Option(help: "For this many seconds (longer than the 2 s message timeout, so the retry layer works).")
    var outageLength: Double = 4

    @Option(help: "Seconds between progress lines.")
    var progressEvery: Double = 5

    func run() async throws {
        var logger = Logger(label: "kafka-soak")
        // Outages are the point of the run: connection errors are expected, not news.
        logger.logLevel = .critical
        // Brokers go down at the front's listeners, never the mock's (see LocalKafkaCluster).
        let cluster = try await LocalKafkaCluster.start(brokers: 3)
        cluster.createTopic("soak", partitions: 6)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(
            connection: KafkaConnectionConfiguration(bootstrapServers: [cluster.bootstrapServers], clientID: "kafka-soak"),
            linger: .milliseconds(5), messageTimeout: .seconds(2),
            delivery: .init(maxRetries: 50, retryBackoff: .milliseconds(200), maxRetryBackoff: .seconds(2))
        ), logger: logger)
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(
            connection: KafkaConnectionConfiguration(bootstrapServers: [cluster.bootstrapServers]), groupID: "kafka-soak"
        ), logger: logger)
        // Assigned, not subscribed: a group join whose coordinator is taken down waits out the
        // 45 s session timeout, which made this run's length a matter of luck (see `drive`'s
        // `--partitions` for the mock's group bug after dropped connections).
        try consumer.assign((0..<6).map { (topic: "soak", partition: Int32($0), offset: KafkaConsumer.beginning) })

        let state = SoakState(producers: producers)
        let start = ContinuousClock.now
        let end = start + .milliseconds(Int64(duration * 1000))

        let consuming = Task {
            for await message in consumer.messages {
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                state.verifier.withLock { $0.record(message.value, receivedMs: now) }
            }
        }
        let faults = Task {
            guard outageEvery > 0 else { return }
            while ContinuousClock.now + .milliseconds(Int64(outageEvery * 1000)) < end {
                try await Task.sleep(for: .milliseconds(Int64(outageEvery * 1000)))
                let broker = Int.random(in: 1...3)
                try cluster.setBroker(broker, up: false)
                state.ledger.withLock { $0.outages += 1 }
                try await Task.sleep(for: .milliseconds(Int64(outageLength * 1000)))
                try cluster.setBroker(broker, up: true)
            }
        }
        let progress = Task {
            while !Task.isCancelled {
                try await Task.sleep(for: .milliseconds(Int64(progressEvery * 1000)))
                let elapsed = ContinuousClock.now - start
                let (sent, delivered, failed, outages) = state.ledger.withLock { ($0.sent, $0.delivered, $0.failed, $0.outages) }
                let consumed = state.verifier.withLock { $0.consumed }
                let depth = producer.bufferDepth
                FileHandle.standardError.write(Data(String(format: "[%6.1fs] sent %d delivered %d failed %d consumed %d in-buffer %d retries %d outages %d\n",
                    Double(elapsed.components.seconds), sent, delivered, failed, consumed, depth.messages, producer.counters.retries.value, outages).utf8))
            }
        }

        // Produce: round-robin over producers, paced to `rate`.
        var sequence = [Int](repeating: 0, count: producers)
        var produced = 0
        while ContinuousClock.now < end {
            let index = produced % producers
            let id = "p\(index)"
            let payload = SoakPayload(streamID: id, sequence: sequence[index], sentMs: Int64(Date().timeIntervalSince1970 * 1000))
            let seq = sequence[index]
            sequence[index] += 1
            state.ledger.withLock { $0.sent += 1 }
            try await producer.enqueue(KafkaProducerMessage(topic: "soak", key: Array(id.utf8), value: payload.encoded(size: size))) { result in
                state.ledger.withLock { ledger in
                    switch result {
                    case .success: ledger.delivered += 1; ledger.deliveredSequences[index].insert(seq)
                    case .failure: ledger.failed += 1
                    }
                }
            }
            produced += 1
            if rate > 0 {
                let due = start + .milliseconds(Int64(Double(produced) / rate * 1000))
                if due > ContinuousClock.now { try await Task.sleep(until: due) }
            }
        }
        faults.cancel()
        for broker in 1...3 { try cluster.setBroker(broker, up: true) }
        _ = await producer.flush(timeout: .seconds(120))
        // Let the consumer catch up with everything delivered.
        let deadline = ContinuousClock.now + .seconds(60)
        while state.verifier.withLock({ $0.uniqueCount }) < state.ledger.withLock({ $0.delivered }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        progress.cancel()
        await producer.shutdown()
        consumer.close()
        consuming.cancel()
        await cluster.shutdown()

        let final = state.ledger.withLock { $0 }
        let check = state.verifier.withLock { $0 }
        let missing = (0..<producers).reduce(0) { $0 + check.missing(streamID: "p\($1)", delivered: final.deliveredSequences[$1]) }
        let summary: [String: Any] = [
            "duration_s": duration, "sent": final.sent, "delivered": final.delivered, "failed": final.failed,
            "consumed": check.consumed, "missing": missing, "duplicates": check.duplicates, "corrupted": check.corrupted,
            "out_of_order": check.outOfOrder, "latency_ms_p50": check.percentile(0.5), "latency_ms_p99": check.percentile(0.99),
            "retries": producer.counters.retries.value, "broker_outages": final.outages,
        ]
        let json = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
        if missing > 0 || check.corrupted > 0 || final.failed > 0 || final.delivered != final.sent {
            throw ExitCode(1)
        }
    }

    /// Shared by the producing loop, the consumer task and the progress task.
    private final class SoakState: Sendable {
        let ledger: Mutex<Ledger>
        let verifier = Mutex(SoakVerifier())
        init(producers: Int) { ledger = Mutex(Ledger(producers: producers)) }
    }

    fileprivate struct Ledger {
        var sent = 0
        var delivered = 0
        var failed = 0
        var outages = 0
        var deliveredSequences: [Set<Int>]
        init(producers: Int) { deliveredSequences = Array(repeating: [], count: producers) }
    }
}
