import AWSAuth
import Foundation
import MSKKafka
import MSKLocal
import Synchronization
import Testing

/// A consumer group through msk-local's gateway while connections are dropped and brokers go
/// down: librdkafka 2.0.2's mock asserts when a member resends JoinGroup or SyncGroup after a
/// dropped connection, unless the gateway keeps the resent request from it while it still holds
/// the first (``GatewayGroupRequestGuard``). Runs in-process: an assertion would end the test run.
@Suite(.timeLimit(.minutes(4)))
struct ConsumerGroupFaultTests {
    static let messages = 900

    /// Two minutes of three consumers and a producer keep both cores busy: run alone, after the
    /// rest of the suite (`scripts/test.sh` sets `MSK_LONG_TESTS`), so that it does not make the
    /// suite's other tests miss their deadlines.
    static var enabled: Bool { ProcessInfo.processInfo.environment["MSK_LONG_TESTS"] != nil }

    @Test(.enabled(if: enabled, "a long test: run with MSK_LONG_TESTS=1 (scripts/test.sh does, after the rest)"))
    func aGroupOfThreeProcessesEveryMessageThroughFiftyDisconnectsAndThreeOutagesAndResumesFromItsCommits() async throws {
        let local = try await MSKLocalFixture.start(brokers: 3, credentialLifetime: 30, topics: [("grouped", 6)])
        let credentials = try MSKLocalFixture.assumeRoleCache(local)
        func consumer() throws -> KafkaConsumer {
            try KafkaConsumer(configuration: KafkaConsumerConfiguration(
                connection: try MSKLocalFixture.connection(local, credentials: credentials),
                groupID: "through-faults", sessionTimeout: .seconds(10)
            ), logger: MSKLocalFixture.quiet)
        }
        let group = try (0..<3).map { _ in try consumer() }
        for member in group { try member.subscribe(topics: ["grouped"]) }
        let seen = SeenValues()
        // The last message each member read per partition, committed as it goes (a commit that
        // fails during a fault is tried again with a later message).
        let lastRead = LastRead()
        let readers = group.map { member in
            Task {
                var count = 0
                for await message in member.messages {
                    seen.insert(message.valueString)
                    lastRead.record(message)
                    count += 1
                    if count % 25 == 0 { try? member.commit(message) }
                }
            }
        }

        let producer = try KafkaProducer(configuration: try MSKLocalFixture.producerConfiguration(local, credentials: credentials), logger: MSKLocalFixture.quiet)
        let produced = Task {
            for index in 0..<Self.messages {
                _ = try await producer.send(KafkaProducerMessage(topic: "grouped", key: "k\(index % 12)", value: "m\(index)"))
                try await Task.sleep(for: .milliseconds(60))
            }
        }
        // 50 forced disconnects, 1.2 s apart, and three brokers down for 3 s each among them.
        var dropped = 0
        for round in 0..<50 {
            try await Task.sleep(for: .milliseconds(1200))
            local.dropAllConnections()
            dropped += 1
            if round % 16 == 8 {
                let broker = round / 16 + 1
                try local.actions.setBroker(broker, up: false)
                try await Task.sleep(for: .seconds(3))
                try local.actions.setBroker(broker, up: true)
            }
        }
        try await produced.value
        await producer.shutdown()
        let deadline = ContinuousClock.now + .seconds(90)
        while seen.count < Self.messages, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(200)) }
        let missing = Set((0..<Self.messages).map { "m\($0)" }).subtracting(seen.all)
        #expect(missing.isEmpty, "\(missing.count) never processed, e.g. \(missing.sorted().prefix(5))")
        #expect(dropped == 50 && local.counters.snapshot.connectionsDropped >= 50)

        // Commit where the group got to, through a member (the mock takes commits from members
        // only; retried past any last fault), leave, and a new member of the group starts from
        // those commits: it reads only what came after.
        let last = lastRead.all
        try await Self.retrying { for message in last.values { try group[0].commit(message) } }
        for member in group { member.close() }
        for reader in readers { await reader.value }
        let after = try KafkaProducer(configuration: try MSKLocalFixture.producerConfiguration(local, credentials: credentials), logger: MSKLocalFixture.quiet)
        for index in 0..<30 { _ = try await after.send(KafkaProducerMessage(topic: "grouped", key: "k\(index % 12)", value: "after-\(index)")) }
        await after.shutdown()
        let resumed = try consumer()
        try resumed.subscribe(topics: ["grouped"])
        let tail = await resumed.read(30, within: .seconds(60))
        resumed.close()
        #expect(Set(tail.map(\.valueString)) == Set((0..<30).map { "after-\($0)" }), "read again: \(tail.map(\.valueString).filter { !$0.hasPrefix("after-") }.prefix(5))")
        await local.shutdown()
    }

    /// Runs `body` until it succeeds, for at most 30 s.
    static func retrying(_ body: () throws -> Void) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            do {
                try body()
                return
            } catch where ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(500))
            }
        }
    }
}

/// The last message read per partition, by whichever member.
private final class LastRead: Sendable {
    private let messages = Mutex<[Int32: KafkaConsumerMessage]>([:])
    func record(_ message: KafkaConsumerMessage) {
        messages.withLock { if ($0[message.partition]?.offset ?? -1) < message.offset { $0[message.partition] = message } }
    }
    var all: [Int32: KafkaConsumerMessage] { messages.withLock { $0 } }
}

/// Values read by any member of a group.
private final class SeenValues: Sendable {
    private let values = Mutex<Set<String>>([])
    func insert(_ value: String) { values.withLock { _ = $0.insert(value) } }
    var count: Int { values.withLock { $0.count } }
    var all: Set<String> { values.withLock { $0 } }
}
