import Foundation
import Logging
import MSKKafka
import Synchronization

/// The Swift producer's public paths, configured as the C programs are.
struct SwiftProducerRun {
    var bootstrap: String
    var size: Int
    var inFlight: Int
    var idempotence: Bool

    /// A producer with the benchmark's settings, warmed up: one message sent and delivered, so
    /// that connecting, the producer id and the topic's metadata are behind the clock, as for C.
    /// `ordering` nil: the library's default.
    func makeProducer(reportsDeliveries: Bool = true, ordering: KafkaProducerConfiguration.Ordering? = nil) async throws -> (KafkaProducer, startupSeconds: Double) {
        var logger = Logger(label: "kafka-bench")
        logger.logLevel = .error
        var configuration = KafkaProducerConfiguration(
            connection: KafkaConnectionConfiguration(bootstrapServers: [bootstrap], clientID: "kafka-bench"),
            idempotence: idempotence, linger: .milliseconds(5), batchSize: 1_000_000,
            delivery: .init(maxBufferedMessages: inFlight, maxBufferedBytes: 1 << 30, reportsDeliveries: reportsDeliveries),
            additionalProperties: ["log_level": "3"]
        )
        if let ordering { configuration.delivery.ordering = ordering }
        let start = ContinuousClock.now
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        _ = try await producer.send(KafkaProducerMessage(topic: "bench", value: payload))
        return (producer, (ContinuousClock.now - start) / .seconds(1))
    }

    var payload: [UInt8] { [UInt8](repeating: UInt8(ascii: "x"), count: size) }

    /// `count` messages through `path` as fast as the producer takes them.
    func throughput(_ path: BenchPath, count: Int) async throws -> BenchOutcome {
        let ordering: KafkaProducerConfiguration.Ordering? = switch path {
        case .swiftKeyed: KafkaProducerConfiguration.Ordering.none
        case .swiftPerKey: .perKey
        default: nil
        }
        let (producer, startup) = try await makeProducer(reportsDeliveries: path != .swiftFailures, ordering: ordering)
        let payload = self.payload
        // 1,000 keys, made before the clock starts: what is measured is the producer's cost.
        let keys = (0..<BenchPath.keyCount).map { Array("key-\($0)".utf8) }
        // An atomic, as C's plain increment: the handler's own cost is not the library's.
        let delivered = Atomic(0)
        let reader = Task {
            for await event in producer.events {
                if case .delivered(let reports) = event { delivered.add(reports.count, ordering: .relaxed) }
            }
        }
        let start = ContinuousClock.now
        let loopThread = pthread_self(), loopStart = Self.threadCPUSeconds()
        // A loop per path rather than a branch per message: the message is built in the call,
        // as a service would write it (a branch made the compiler copy it).
        switch path {
        case .swiftCompletion:
            for _ in 0..<count {
                try await producer.enqueue(KafkaProducerMessage(topic: "bench", value: payload)) { result in
                    if case .success = result { delivered.add(1, ordering: .relaxed) }
                }
            }
        case .swift, .swiftFailures:
            for _ in 0..<count {
                try await producer.enqueue(KafkaProducerMessage(topic: "bench", value: payload))
            }
        case .swiftBatch:
            for start in stride(from: 0, to: count, by: BenchPath.batchSize) {
                let batch = (start..<min(count, start + BenchPath.batchSize)).map { _ in KafkaProducerMessage(topic: "bench", value: payload) }
                try await producer.enqueue(contentsOf: batch)
            }
        case .swiftKeyed, .swiftPerKey:
            for index in 0..<count {
                try await producer.enqueue(KafkaProducerMessage(topic: "bench", key: keys[index % keys.count], value: payload))
            }
        case .swiftSend1000, .swiftSend10000:
            try await ConcurrentSenders.run(count, from: path.sendingTasks!) {
                _ = try await producer.send(KafkaProducerMessage(topic: "bench", value: payload))
                delivered.add(1, ordering: .relaxed)
            }
        default:
            throw BenchError("\(path.rawValue) has no throughput run")
        }
        // A loop that suspended (the buffer was full) may have moved to another thread: then
        // its thread's CPU time is unknown. The send paths' loops are many tasks': unknown too.
        let sameThread = path.sendingTasks == nil && pthread_equal(loopThread, pthread_self()) != 0
        let loopCPU = sameThread ? Self.threadCPUSeconds() - loopStart : .nan
        _ = await producer.flush(timeout: .seconds(600))
        let elapsed = ContinuousClock.now - start
        await producer.shutdown()
        await reader.value
        let count = path == .swiftFailures ? producer.counters.delivered.value - 1 : delivered.load(ordering: .relaxed)
        return BenchOutcome(seconds: elapsed / .seconds(1), delivered: count, loopCPUSeconds: loopCPU, startupSeconds: startup)
    }

    static func threadCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
