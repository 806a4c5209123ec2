import MSKKafka
import Synchronization

/// Produces numbered messages (`value` = the number, `key` = `k<number % keys>`) and records
/// every outcome, so that a test can account for each one.
final class DeliveryLedger: Sendable {
    private let outcomes = Mutex<(delivered: [Int: KafkaDeliveryReport], failed: [Int: KafkaError])>(([:], [:]))

    var delivered: [Int: KafkaDeliveryReport] { outcomes.withLock { $0.delivered } }
    var failed: [Int: KafkaError] { outcomes.withLock { $0.failed } }

    /// Enqueues `count` messages, one every `interval`, to `topic`.
    func produce(_ producer: KafkaProducer, topic: String, count: Int, keys: Int = 4, interval: Duration) async throws {
        for number in 0..<count {
            let message = KafkaProducerMessage(topic: topic, key: "k\(number % keys)", value: "\(number)")
            try await producer.enqueue(message) { [self] result in
                outcomes.withLock { outcomes in
                    switch result {
                    case .success(let report): outcomes.delivered[number] = report
                    case .failure(let error): outcomes.failed[number] = error
                    }
                }
            }
            if interval > .zero { try await Task.sleep(for: interval) }
        }
    }
}

extension KafkaConsumer {
    /// Reads until `count` distinct values have arrived or `deadline` passes; returns every
    /// message that arrived, duplicates included.
    func read(_ count: Int, within deadline: Duration) async -> [KafkaConsumerMessage] {
        let messages = self.messages
        let received = ReceivedMessages()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await message in messages {
                    if received.append(message) >= count { break }
                }
            }
            group.addTask { try? await Task.sleep(for: deadline) }
            await group.next()
            group.cancelAll()
        }
        return received.all
    }
}

private final class ReceivedMessages: Sendable {
    private let messages = Mutex<(all: [KafkaConsumerMessage], distinct: Set<[UInt8]>)>(([], []))

    /// Adds `message`; returns how many distinct values have arrived.
    func append(_ message: KafkaConsumerMessage) -> Int {
        messages.withLock { state in
            state.all.append(message)
            state.distinct.insert(message.value)
            return state.distinct.count
        }
    }

    var all: [KafkaConsumerMessage] { messages.withLock { $0.all } }
}
