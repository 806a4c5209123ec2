import Foundation
import ServiceLifecycle
import Synchronization
import Testing
@testable import MSKKafka
import MSKKafkaTesting

/// Consumer groups with the real librdkafka against its in-process mock cluster: rebalance
/// events (eager and cooperative), commit on revocation, pause/resume, seek, the commit modes
/// and the queries. No connection is ever dropped here: librdkafka 2.0.2's mock aborts when a
/// group member resends SyncGroup after a lost connection.
@Suite(.timeLimit(.minutes(3)))
struct ConsumerGroupTests {
    static func configuration(_ cluster: MockKafkaCluster, group: String, strategy: KafkaPartitionAssignmentStrategy? = nil,
                              commitMode: KafkaCommitMode = .manual, clientID: String = "swift-msk-kafka") -> KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(connection: cluster.connection, groupID: group, commitMode: commitMode, sessionTimeout: .seconds(6),
                                                       additionalProperties: ["heartbeat.interval.ms": "200", "socket.timeout.ms": "10000"])
        configuration.clientID = clientID
        configuration.partitionAssignmentStrategy = strategy
        return configuration
    }

    static func produce(_ cluster: MockKafkaCluster, topic: String, count: Int, partitions: Int32, from first: Int = 0) async throws {
        let producer = try KafkaProducer(configuration: KafkaProducerTests.configuration(cluster), logger: KafkaProducerTests.quiet)
        for index in first..<(first + count) {
            try await producer.enqueue(KafkaProducerMessage(topic: topic, partition: Int32(index) % partitions, value: "\(index)"))
        }
        #expect(await producer.flush(timeout: .seconds(20)))
        await producer.shutdown()
    }

    /// Waits for `condition`, checking every 20 ms, until `timeout`; returns whether it held.
    static func eventually(_ timeout: Duration = .seconds(30), _ condition: () throws -> Bool) async rethrows -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return try condition()
    }

    /// A member of a group reading ``KafkaConsumer/events`` in a task of its own, recording
    /// what it was handed; on a revocation it commits what it processed of those partitions.
    final class Member: Sendable {
        struct Log {
            var messages: [KafkaConsumerMessage] = []
            var rebalances: [KafkaRebalance] = []
            /// Processed and not yet committed: partition → next offset.
            var processed: [KafkaTopicPartition: Int64] = [:]
            /// Messages handed over from a partition after it was revoked.
            var afterRevoke = 0
        }

        let consumer: KafkaConsumer
        let log = Mutex(Log())
        /// Until released, the member stops before processing message number `holdAt`.
        let released = Mutex(false)
        /// Commits on revocation the mock refused because a rebalance had begun.
        let commitsRefusedByTheMock = Atomic(0)
        private let reading = Mutex<Task<Void, Never>?>(nil)

        init(_ configuration: KafkaConsumerConfiguration, topics: [String], processing: Duration = .zero, holdAt: Int? = nil) throws {
            consumer = try KafkaConsumer(configuration: configuration, logger: KafkaProducerTests.quiet)
            try consumer.subscribe(topics: topics)
            let consumer = self.consumer
            reading.withLock {
                $0 = Task { [self] in
                    var owned: Set<KafkaTopicPartition> = []
                    for await event in consumer.events {
                        switch event {
                        case .message(let message):
                            let partition = KafkaTopicPartition(topic: message.topic, partition: message.partition)
                            if processing > .zero { try? await Task.sleep(for: processing) }
                            if let holdAt, self.log.withLock({ $0.messages.count }) == holdAt {
                                while !self.released.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(20)) }
                            }
                            self.log.withLock {
                                if !owned.contains(partition) { $0.afterRevoke += 1 }
                                $0.messages.append(message)
                                $0.processed[partition] = message.offset + 1
                            }
                        case .rebalance(let rebalance):
                            switch rebalance.kind {
                            case .assigned: owned.formUnion(rebalance.partitions)
                            case .revoked, .lost: owned.subtract(rebalance.partitions)
                            }
                            let toCommit = self.log.withLock { log -> [KafkaTopicPartition: Int64] in
                                log.rebalances.append(rebalance)
                                guard rebalance.waitsForAcknowledgement else { return [:] }
                                let revoked = log.processed.filter { rebalance.partitions.contains($0.key) }
                                for partition in revoked.keys { log.processed[partition] = nil }
                                return revoked
                            }
                            // Before the partitions go: the next event acknowledges the revocation.
                            if !toCommit.isEmpty {
                                do {
                                    try consumer.commit(toCommit)
                                } catch where ["ILLEGAL_GENERATION", "REBALANCE_IN_PROGRESS"].contains(where: { "\(error)".contains($0) }) {
                                    // librdkafka 2.0.2's mock refuses a commit once a rebalance
                                    // has begun (a broker takes it from the current generation);
                                    // seen on a loaded machine, eager and, once, cooperative.
                                    // Counted: the messages after the last commit then go again.
                                    self.commitsRefusedByTheMock.add(1, ordering: .relaxed)
                                } catch where "\(error)".contains("_DESTROY") {
                                    // A revocation that met this member's own close (the test's end).
                                } catch {
                                    Issue.record("commit on revoke: \(error)")
                                }
                            }
                        }
                    }
                }
            }
        }

        /// The partitions assigned now, from the events.
        var assignment: Set<KafkaTopicPartition> {
            log.withLock { log in
                var owned: Set<KafkaTopicPartition> = []
                for rebalance in log.rebalances {
                    if rebalance.kind == .assigned { owned.formUnion(rebalance.partitions) } else { owned.subtract(rebalance.partitions) }
                }
                return owned
            }
        }

        var rebalances: [KafkaRebalance] { log.withLock { $0.rebalances } }
        var values: [String] { log.withLock { $0.messages.map(\.valueString) } }

        func close() async {
            consumer.close()
            await reading.withLock { $0 }?.value
        }
    }

    static func partitions(_ topic: String, _ count: Int32) -> Set<KafkaTopicPartition> {
        Set((0..<count).map { KafkaTopicPartition(topic: topic, partition: $0) })
    }

    @Test(arguments: [KafkaPartitionAssignmentStrategy.range, .roundRobin])
    func twoMembersOfAnEagerGroupSeeAssignAndRevokeAndSplitThePartitions(strategy: KafkaPartitionAssignmentStrategy) async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("split", partitions: 4)
        let first = try Member(Self.configuration(cluster, group: "split-\(strategy)", strategy: strategy), topics: ["split"])
        #expect(await Self.eventually { first.assignment == Self.partitions("split", 4) }, "\(first.rebalances)")
        let second = try Member(Self.configuration(cluster, group: "split-\(strategy)", strategy: strategy), topics: ["split"])
        #expect(await Self.eventually { first.assignment.count == 2 && second.assignment.count == 2 }, "\(first.rebalances) / \(second.rebalances)")
        #expect(first.assignment.isDisjoint(with: second.assignment))
        #expect(first.assignment.union(second.assignment) == Self.partitions("split", 4))
        // Eager: the whole assignment was revoked, then a new one assigned.
        let kinds = first.rebalances.map(\.kind)
        #expect(kinds.prefix(3) == [.assigned, .revoked, .assigned], "\(first.rebalances)")
        #expect(Set(first.rebalances[1].partitions) == Self.partitions("split", 4))
        #expect(first.rebalances.allSatisfy { $0.rebalanceProtocol == .eager })

        // Both read what is produced now, each its own partitions.
        try await Self.produce(cluster, topic: "split", count: 40, partitions: 4)
        #expect(await Self.eventually { first.values.count + second.values.count == 40 })
        #expect(Set(first.values + second.values) == Set((0..<40).map(String.init)))
        await second.close()
        await first.close()
    }

    @Test func cooperativeStickyRevokesOnlyThePartitionsThatMove() async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("sticky", partitions: 4)
        let first = try Member(Self.configuration(cluster, group: "sticky", strategy: .cooperativeSticky), topics: ["sticky"])
        #expect(await Self.eventually { first.assignment == Self.partitions("sticky", 4) }, "\(first.rebalances)")
        let second = try Member(Self.configuration(cluster, group: "sticky", strategy: .cooperativeSticky), topics: ["sticky"])
        #expect(await Self.eventually { first.assignment.count == 2 && second.assignment.count == 2 }, "\(first.rebalances) / \(second.rebalances)")
        #expect(first.assignment.union(second.assignment) == Self.partitions("sticky", 4))
        let rebalances = first.rebalances
        #expect(rebalances.allSatisfy { $0.rebalanceProtocol == .cooperative }, "\(rebalances)")
        // Incremental: two partitions revoked, never the whole assignment, none assigned again.
        let revoked = rebalances.filter { $0.kind == .revoked }.flatMap(\.partitions)
        #expect(revoked.count == 2 && Set(revoked) == Self.partitions("sticky", 4).subtracting(first.assignment), "\(rebalances)")
        #expect(rebalances.filter { $0.kind == .assigned }.flatMap(\.partitions).count == 4, "\(rebalances)")
        #expect(second.rebalances.filter { $0.kind == .revoked }.isEmpty)
        await second.close()
        await first.close()
    }

    /// The first member processes slowly and commits only when partitions are revoked; a second
    /// joins halfway through. Every message is processed exactly once: what the first had read
    /// ahead from the partitions it lost is dropped, not processed, and read by the second from
    /// the offsets committed on revocation.
    ///
    /// Cooperative only: under the eager protocol the revocation comes while the group is
    /// joining, and librdkafka 2.0.2's mock refuses OffsetCommit then (REBALANCE_IN_PROGRESS),
    /// where a real broker accepts it from the current generation (PreparingRebalance). Newer
    /// mocks accept it too. Under load it once refused the cooperative commit as well (CI,
    /// 2026-12-04: REBALANCE_IN_PROGRESS, then 101 messages read again): such a run checks that
    /// nothing was lost, not that nothing was read twice.
    @Test(arguments: [KafkaPartitionAssignmentStrategy.cooperativeSticky])
    func committingOnRevokeProcessesEveryMessageOnceAcrossARebalance(strategy: KafkaPartitionAssignmentStrategy) async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("once", partitions: 4)
        let count = 600
        try await Self.produce(cluster, topic: "once", count: count, partitions: 4)
        // The first stops in the middle of a message, with the rest read ahead, until the second
        // has joined and the first's revocation waits for it.
        let first = try Member(Self.configuration(cluster, group: "once", strategy: strategy), topics: ["once"], holdAt: 100)
        #expect(await Self.eventually { first.values.count == 100 && first.consumer.messagesReadAhead > 100 }, "nothing read ahead: the test would prove little")
        let second = try Member(Self.configuration(cluster, group: "once", strategy: strategy), topics: ["once"])
        #expect(await Self.eventually { first.consumer.awaitsRevokeAcknowledgement })
        first.released.withLock { $0 = true }
        #expect(await Self.eventually(.seconds(60)) { first.values.count + second.values.count >= count })
        // A moment for anything handed over twice to show.
        _ = await Self.eventually(.milliseconds(500)) { false }
        let all = first.values + second.values
        // Exactly once when the commit on revocation was taken; when the mock refused it (a
        // rebalance had begun: see ``Member``), at least once — nothing lost is checked below.
        if first.commitsRefusedByTheMock.load(ordering: .relaxed) == 0 {
            #expect(all.count == count, "\(all.count - Set(all).count) processed twice")
        }
        #expect(Set(all) == Set((0..<count).map(String.init)))
        #expect(first.log.withLock { $0.afterRevoke } == 0 && second.log.withLock { $0.afterRevoke } == 0)
        #expect(first.rebalances.contains { $0.kind == .revoked }, "\(first.rebalances)")
        #expect(!second.values.isEmpty, "the second member read its share")
        await second.close()
        await first.close()
    }

    /// Collects what ``KafkaConsumer/messages`` hands over, in a task of its own.
    final class Pump: Sendable {
        let received = Mutex<[KafkaConsumerMessage]>([])
        private let task = Mutex<Task<Void, Never>?>(nil)

        init(_ consumer: KafkaConsumer) {
            task.withLock { $0 = Task { [self] in for await message in consumer.messages { self.received.withLock { $0.append(message) } } } }
        }

        var offsets: [Int64] { received.withLock { $0.map(\.offset) } }
        func wait() async { await task.withLock { $0 }?.value }
    }

    @Test func pauseStopsDeliveryAndResumeRestartsWhereTheApplicationWas() async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("paused", partitions: 1)
        try await Self.produce(cluster, topic: "paused", count: 10, partitions: 1)
        let consumer = try KafkaConsumer(configuration: Self.configuration(cluster, group: "paused"), logger: KafkaProducerTests.quiet)
        let partition = KafkaTopicPartition(topic: "paused", partition: 0)
        try consumer.assign([(topic: "paused", partition: 0, offset: KafkaConsumer.beginning)])
        var iterator = consumer.messages.makeAsyncIterator()
        for expected in Int64(0)..<3 { #expect(await iterator.next()?.offset == expected) }
        #expect(await Self.eventually { consumer.messagesReadAhead >= 7 }, "the rest was not read ahead")
        try consumer.pause([partition])
        #expect(try consumer.position([partition]) == [partition: 3])
        try await Self.produce(cluster, topic: "paused", count: 5, partitions: 1, from: 10)

        // Read from here on by the pump (the iterator above is never used again).
        let pump = Pump(consumer)
        // Nothing is handed over while paused: neither what was read ahead nor what is new.
        #expect(await !Self.eventually(.seconds(2)) { !pump.offsets.isEmpty }, "\(pump.offsets)")
        try consumer.resume([partition])
        #expect(await Self.eventually { pump.offsets.count >= 12 })
        #expect(pump.offsets == Array(3...14), "from where the application was, once each")
        consumer.close()
        await pump.wait()
    }

    @Test func seekReadsAgainAndDropsWhatWasReadAhead() async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("seek", partitions: 1)
        try await Self.produce(cluster, topic: "seek", count: 10, partitions: 1)
        let consumer = try KafkaConsumer(configuration: Self.configuration(cluster, group: "seek"), logger: KafkaProducerTests.quiet)
        let partition = KafkaTopicPartition(topic: "seek", partition: 0)
        try consumer.assign([(topic: "seek", partition: 0, offset: KafkaConsumer.beginning)])
        var iterator = consumer.messages.makeAsyncIterator()
        for expected in Int64(0)..<5 { #expect(await iterator.next()?.offset == expected) }
        #expect(await Self.eventually { consumer.messagesReadAhead >= 5 })
        try consumer.seek([partition: 1])
        var offsets: [Int64] = []
        while offsets.count < 9, let message = await iterator.next() { offsets.append(message.offset) }
        #expect(offsets == Array(1...9), "read again from 1, nothing read ahead before the seek")
        #expect(try consumer.position([partition]) == [partition: 10])
        try consumer.seek([partition: KafkaConsumer.beginning])
        #expect(await iterator.next()?.offset == 0)
        consumer.close()
        #expect(await iterator.next() == nil)
    }

    @Test func asynchronousCommitsComplete() async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("async", partitions: 1)
        try await Self.produce(cluster, topic: "async", count: 10, partitions: 1)
        let consumer = try KafkaConsumer(configuration: Self.configuration(cluster, group: "async"), logger: KafkaProducerTests.quiet)
        try consumer.subscribe(topics: ["async"])
        var received: [KafkaConsumerMessage] = []
        for await message in consumer.messages {
            received.append(message)
            if received.count == 10 { break }
        }
        let partition = KafkaTopicPartition(topic: "async", partition: 0)
        // With a completion.
        let outcome = Mutex<Result<Void, KafkaError>?>(nil)
        consumer.commit(received[3]) { result in outcome.withLock { $0 = result } }
        #expect(await Self.eventually { outcome.withLock { $0 } != nil })
        #expect(throws: Never.self) { try outcome.withLock { $0 }?.get() }
        #expect(try consumer.committed([partition]) == [partition: 4])
        // Awaited.
        try await consumer.commitAsync(received[9])
        #expect(try consumer.committed([partition]) == [partition: 10])
        #expect(try consumer.position([partition]) == [partition: 10])
        consumer.close()
        // After close: failed at once, as closed.
        let late = Mutex<Result<Void, KafkaError>?>(nil)
        consumer.commit(received[9]) { result in late.withLock { $0 = result } }
        guard case .failure(.consumer(let failure))? = late.withLock({ $0 }) else { Issue.record("\(String(describing: late.withLock { $0 }))"); return }
        #expect(failure.isClosed && failure.operation == .commit)
        await #expect(throws: KafkaError.self) { try await consumer.commitAsync(received[9]) }
    }

    /// Stored offsets, committed by librdkafka (at close here): the next consumer of the group
    /// starts after the last message stored, with no commit per message.
    @Test func storedOffsetsAreWhereTheNextConsumerResumes() async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("stored", partitions: 2)
        try await Self.produce(cluster, topic: "stored", count: 40, partitions: 2)
        let configuration = Self.configuration(cluster, group: "stored", commitMode: .storedOffsets(interval: .milliseconds(200)))
        let first = try KafkaConsumer(configuration: configuration, logger: KafkaProducerTests.quiet)
        try first.subscribe(topics: ["stored"])
        var processed: [String] = []
        for await message in first.messages {
            processed.append(message.valueString)
            try first.store(message)
            if processed.count == 15 { break }
        }
        first.close()
        let second = try KafkaConsumer(configuration: configuration, logger: KafkaProducerTests.quiet)
        try second.subscribe(topics: ["stored"])
        let committed = try second.committed([KafkaTopicPartition(topic: "stored", partition: 0), KafkaTopicPartition(topic: "stored", partition: 1)])
        #expect(committed.values.reduce(0, +) == 15, "\(committed)")
        for await message in second.messages {
            processed.append(message.valueString)
            if processed.count == 40 { break }
        }
        #expect(processed.count == 40 && Set(processed) == Set((0..<40).map(String.init)), "resumed from the stored offsets, nothing twice")
        second.close()
    }

    /// The automatic mode stores a message's offset when the application asks for the next
    /// one: the message being processed when the consumer stops is read again (at least once),
    /// and nothing read ahead is counted as processed.
    @Test func theAutomaticModeCommitsOnlyWhatTheApplicationMovedPast() async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("automatic", partitions: 1)
        try await Self.produce(cluster, topic: "automatic", count: 20, partitions: 1)
        let configuration = Self.configuration(cluster, group: "automatic", commitMode: .automatic(interval: .milliseconds(100)))
        let first = try KafkaConsumer(configuration: configuration, logger: KafkaProducerTests.quiet)
        try first.subscribe(topics: ["automatic"])
        var iterator = first.messages.makeAsyncIterator()
        for expected in Int64(0)..<5 { #expect(await iterator.next()?.offset == expected) }
        #expect(await Self.eventually { first.messagesReadAhead >= 10 })
        first.close()
        let second = try KafkaConsumer(configuration: configuration, logger: KafkaProducerTests.quiet)
        try second.subscribe(topics: ["automatic"])
        var next = second.messages.makeAsyncIterator()
        #expect(await next.next()?.offset == 4, "message 4 was being processed: read again")
        second.close()
    }

    @Test func consumerLagReachesMetrics() async throws {
        let metrics = MetricsExportTests.metrics
        let cluster = try MockKafkaCluster()
        cluster.createTopic("lag", partitions: 2)
        try await Self.produce(cluster, topic: "lag", count: 20, partitions: 2)
        let clientID = "lag-\(UUID().uuidString.prefix(8))"
        var configuration = Self.configuration(cluster, group: "lag", clientID: clientID)
        configuration.statisticsInterval = .milliseconds(100)
        let consumer = try KafkaConsumer(configuration: configuration, logger: KafkaProducerTests.quiet)
        try consumer.subscribe(topics: ["lag"])
        var seen: [KafkaConsumerMessage] = []
        for await message in consumer.messages {
            seen.append(message)
            if seen.count == 20 { break }
        }
        // Committed: 3 of partition 0's 10 and all of partition 1's.
        try consumer.commit([KafkaTopicPartition(topic: "lag", partition: 0): 3, KafkaTopicPartition(topic: "lag", partition: 1): 10])
        func lag(_ partition: String) -> Int64? {
            metrics.recorders.first { $0.label == "msk_kafka_consumer_lag" && $0.dimensions.contains { $0 == ("client_id", clientID) }
                && $0.dimensions.contains { $0 == ("topic", "lag") } && $0.dimensions.contains { $0 == ("partition", partition) } }?.lastValue.map { Int64($0) }
        }
        #expect(await Self.eventually { lag("0") == 7 && lag("1") == 0 }, "lag: \(String(describing: lag("0"))), \(String(describing: lag("1")))")
        consumer.close()
    }

    /// Run as a service, the consumer leaves the group on graceful shutdown: the other member
    /// gets its partitions after one rebalance (which the mock completes in the session timeout
    /// less 1 s), not after the session has expired first (6 s more).
    @Test func asAServiceTheConsumerLeavesTheGroupOnShutdown() async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("leave", partitions: 2)
        let leaving = try Member(Self.configuration(cluster, group: "leave"), topics: ["leave"])
        let staying = try Member(Self.configuration(cluster, group: "leave"), topics: ["leave"])
        #expect(await Self.eventually { leaving.assignment.count == 1 && staying.assignment.count == 1 })
        let services = ServiceGroup(services: [leaving.consumer], gracefulShutdownSignals: [], logger: KafkaProducerTests.quiet)
        let running = Task { try await services.run() }
        await services.triggerGracefulShutdown()
        try await running.value
        #expect(await Self.eventually(.seconds(9)) { staying.assignment == Self.partitions("leave", 2) }, "\(staying.rebalances)")
        #expect(throws: KafkaError.self) { try leaving.consumer.commit() }
        await leaving.close()
        await staying.close()
    }

    @Test func consumerFailuresAreTyped() async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("typed", partitions: 1)
        let consumer = try KafkaConsumer(configuration: Self.configuration(cluster, group: "typed"), logger: KafkaProducerTests.quiet)
        func failure(_ body: () throws -> Void) -> KafkaConsumerError? {
            do {
                try body()
                return nil
            } catch KafkaError.consumer(let failure) {
                return failure
            } catch {
                Issue.record("\(error)")
                return nil
            }
        }
        #expect(failure { try consumer.subscribe(topics: []) }?.operation == .subscribe)
        let message = KafkaConsumerMessage(topic: "typed", partition: 0, offset: 0, key: nil, value: [], headers: [], timestampMs: nil)
        #expect(failure { try consumer.store(message) }?.operation == .store, "the manual mode stores nothing")
        let seek = failure { try consumer.seek([KafkaTopicPartition(topic: "typed", partition: 0): 0], timeout: .seconds(1)) }
        #expect(seek?.operation == .seek, "not assigned")
        consumer.close()
        #expect(failure { try consumer.subscribe(topics: ["typed"]) }?.isClosed == true)
    }
}
