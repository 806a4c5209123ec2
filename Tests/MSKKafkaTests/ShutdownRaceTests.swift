import Foundation
import MSKKafka
import MSKKafkaTesting
import Synchronization
import Testing

/// Shutdown while other tasks are producing: no crash (nothing touches the destroyed handle),
/// and every message is accounted for — delivered, failed with a reason, or refused.
@Suite(.timeLimit(.minutes(2)))
struct ShutdownRaceTests {
    final class Outcomes: Sendable {
        let state = Mutex((delivered: 0, failed: 0, refused: 0))
    }

    @Test(arguments: 0..<3)
    func shutdownDuringConcurrentProductionAccountsForEveryMessage(round: Int) async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("race", partitions: 2)
        let producer = try KafkaProducer(configuration: KafkaProducerTests.configuration(cluster), logger: KafkaProducerTests.quiet)
        let outcomes = Outcomes()
        let perTask = 3_000, tasks = 4
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    for index in 0..<perTask {
                        do {
                            try await producer.enqueue(KafkaProducerMessage(topic: "race", key: "t\(task)", value: "\(index)")) { result in
                                outcomes.state.withLock { state in
                                    if case .success = result { state.delivered += 1 } else { state.failed += 1 }
                                }
                            }
                        } catch {
                            outcomes.state.withLock { $0.refused += 1 }
                        }
                    }
                }
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(5 + 10 * round))
                await producer.shutdown(timeout: .zero)
            }
            try await group.waitForAll()
        }
        await producer.shutdown()
        let final = outcomes.state.withLock { $0 }
        #expect(final.delivered + final.failed + final.refused == perTask * tasks, "\(final)")
    }
}
