import ArgumentParser
import CRawProducer
import Foundation
import Logging
import MSKKafka

/// The producing side alone: how long a produce call takes in plain librdkafka (C) and
/// through ``KafkaProducer/enqueue(_:)``, with no broker to deliver to — so neither delivery
/// reports nor a mock cluster's threads are in the measurement, only what the calling thread
/// pays per message.
struct EnqueueBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enqueue",
        abstract: "ns per produce call, C vs Swift (events path), with nothing listening: the producing side's own cost, without the mock cluster's noise."
    )

    @Option(help: "Messages per run.")
    var messages = 500_000

    @Option(help: "Rounds; C and Swift run in turn, and medians are reported.")
    var rounds = 5

    @Option(help: "Message size in bytes.")
    var size = 100

    /// Nothing listens on port 1: the messages wait in librdkafka's queue for metadata (room
    /// for all of them).
    static let settings: [(String, String)] = ProducerBenchmark.settings(inFlight: 10_000_000) + [
        ("bootstrap.servers", "127.0.0.1:1"), ("message.timeout.ms", "300000"), ("log_level", "0"),
    ]

    func run() async throws {
        print("kafka-bench enqueue: \(messages) produce calls of \(size) B per run, \(rounds) rounds, no broker")
        var c: [Double] = [], swift: [Double] = []
        for round in 0..<rounds {
            // Alternate who goes first.
            if round.isMultiple(of: 2) {
                c.append(try runC()); swift.append(try await runSwift())
            } else {
                swift.append(try await runSwift()); c.append(try runC())
            }
        }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        let cNs = median(c) / Double(messages) * 1e9, swiftNs = median(swift) / Double(messages) * 1e9
        let each = zip(c, swift).map { String(format: "%.2f", $0 / $1) }.joined(separator: " ")
        print(String(format: "c      %6.0f ns/call", cNs))
        print(String(format: "swift  %6.0f ns/call  (+%.0f ns; ratio to c %.3f [%@])", swiftNs, swiftNs - cNs, cNs / swiftNs, each))
    }

    private func runC() throws -> Double {
        let seconds = withCProperties(Self.settings) { raw_producer_enqueue_only($0.baseAddress, $0.count, "bench", messages, size) }
        guard seconds >= 0 else { throw ValidationError("the C producer could not start or enqueue") }
        return seconds
    }

    private func runSwift() async throws -> Double {
        var logger = Logger(label: "kafka-bench")
        logger.logLevel = .critical
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(
            bootstrapServers: ["127.0.0.1:1"], clientID: "kafka-bench", linger: .milliseconds(5), batchSize: 1_000_000,
            messageTimeout: .seconds(300), delivery: .init(maxBufferedMessages: 10_000_000, maxBufferedBytes: 1 << 34),
            additionalProperties: ["log_level": "0"]
        ), logger: logger)
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: size)
        let start = ContinuousClock.now
        for _ in 0..<messages {
            try await producer.enqueue(KafkaProducerMessage(topic: "bench", value: payload))
        }
        let elapsed = ContinuousClock.now - start
        await producer.shutdown(timeout: .zero)
        return elapsed / .seconds(1)
    }
}
