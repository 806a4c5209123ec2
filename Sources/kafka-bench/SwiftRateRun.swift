import Foundation
import MSKKafka
import Synchronization

extension SwiftProducerRun {
    /// `count` messages through `path` at `rate` messages per second, message `i` to partition
    /// `i % partitions` at its scheduled time (or as soon after as the pacer gets there); each
    /// delivered message's latency, from its scheduled time to its report, goes to `log`.
    ///
    /// The events stream's reports carry no message of their own: they are matched by partition,
    /// whose reports come in the order its messages were produced (the k-th report of partition
    /// `p` is message `p + k × partitions`).
    func fixedRate(_ path: BenchPath, count: Int, partitions: Int, rate: Double, log: LatencyLog) async throws -> BenchOutcome {
        let (producer, startup) = try await makeProducer()
        let payload = self.payload
        let reader = Task {
            var reported = [Int](repeating: 0, count: partitions)
            for await event in producer.events {
                guard case .delivered(let reports) = event else { continue }
                for report in reports {
                    let partition = Int(report.partition)
                    let index = partition + reported[partition] * partitions
                    reported[partition] += 1
                    if index < log.count { log.delivered(index) }
                }
            }
        }
        let interval = 1e9 / rate
        let begin = LatencyLog.now()
        let loopStart = Self.threadCPUSeconds(), loopThread = pthread_self()
        if path == .swiftBatch {
            // What fell due in the last millisecond, in one batch, sent when its last message is due.
            let perBatch = max(1, Int(rate / 1_000))
            for start in stride(from: 0, to: count, by: perBatch) {
                let indices = start..<min(count, start + perBatch)
                for index in indices { log.schedule(index, at: begin + UInt64(Double(index) * interval)) }
                await Self.wait(until: begin + UInt64(Double(indices.upperBound - 1) * interval))
                try await producer.enqueue(contentsOf: indices.map { KafkaProducerMessage(topic: "bench", partition: Int32($0 % partitions), value: payload) })
            }
        } else {
            try await withThrowingDiscardingTaskGroup { group in
                for index in 0..<count {
                    let due = begin + UInt64(Double(index) * interval)
                    log.schedule(index, at: due)
                    await Self.wait(until: due)
                    let message = KafkaProducerMessage(topic: "bench", partition: Int32(index % partitions), value: payload)
                    switch path {
                    case .swift:
                        try await producer.enqueue(message)
                    case .swiftCompletion:
                        try await producer.enqueue(message) { result in
                            if case .success = result { log.delivered(index) }
                        }
                    case .swiftSend:
                        group.addTask {
                            _ = try await producer.send(message)
                            log.delivered(index)
                        }
                    default:
                        throw BenchError("\(path.rawValue) has no fixed-rate run")
                    }
                }
            }
        }
        let loopCPU = pthread_equal(loopThread, pthread_self()) != 0 ? Self.threadCPUSeconds() - loopStart : .nan
        _ = await producer.flush(timeout: .seconds(600))
        let elapsed = Double(LatencyLog.now() - begin) / 1e9
        await producer.shutdown()
        await reader.value
        let delivered = log.latencies.count { $0 > 0 }
        return BenchOutcome(seconds: elapsed, delivered: delivered, loopCPUSeconds: loopCPU, startupSeconds: startup)
    }

    /// Waits until `time`, as the C pacer does: asleep, for a millisecond at most at a time. A
    /// spinning pacer would take one of the machine's two cores from librdkafka, and one that
    /// blocked its thread would take a thread from the tasks that send; a late one is charged
    /// for it, as C's is.
    private static func wait(until time: UInt64) async {
        while true {
            let now = LatencyLog.now()
            guard now < time else { return }
            try? await Task.sleep(for: .nanoseconds(min(Int(time - now), 1_000_000)))
        }
    }
}
