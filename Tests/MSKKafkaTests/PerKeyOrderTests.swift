import Foundation
import Synchronization
import Testing
import TestSupport
@testable import MSKKafka
import MSKLocal
import MSKKafkaTesting

/// ``KafkaProducerConfiguration/Ordering/perKey``: a broker down past the message timeout while
/// three keys are produced at full rate, read back with kcat — every key's sequence in order and
/// complete, whichever way it was sent; with the policy off the same outage breaks the order (so
/// the check can fail); a message that finally fails says the order broke; a key held after an
/// error librdkafka stopped retrying goes again in order, its later messages behind it.
@Suite(.timeLimit(.minutes(3)))
struct PerKeyOrderTests {
    enum Path: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case events, completion, send
        var testDescription: String { rawValue }
    }

    static let keys = ["a", "b", "c"]

    /// What the producing tasks share.
    final class Failures: Sendable {
        let errors = Mutex<[String]>([])

        final class Flag: Sendable {
            let value = Atomic<Bool>(false)
        }
    }

    /// Three keys produced at full rate — slowed only by the buffer's backpressure — from
    /// before until after a 5-s outage of the only broker, with a 1-s message timeout (100
    /// retries). Without the policy every attempt times out after 1 s and goes again behind
    /// later messages; with it librdkafka has the whole budget (101 s) and keeps the order
    /// itself. Returns each key's values in log order and how many were sent.
    static func produceThroughAnOutage(ordering: KafkaProducerConfiguration.Ordering, path: Path) async throws
        -> (log: [String: [Int]], sent: [String: Int], producer: KafkaProducer, cluster: LocalKafkaCluster) {
        let cluster = try await LocalKafkaCluster.start(brokers: 1)
        let topic = "order-\(path.rawValue)"
        cluster.createTopic(topic, partitions: 3)
        let policy = KafkaProducerConfiguration.DeliveryPolicy(maxBufferedMessages: 3_000, maxRetries: 100, retryBackoff: .milliseconds(100),
                                                               maxRetryBackoff: .milliseconds(400), ordering: ordering)
        let producer = try KafkaProducer(configuration: KafkaProducerTests.configuration(cluster, delivery: policy, messageTimeout: .seconds(1)),
                                         logger: KafkaProducerTests.quiet)
        _ = try await producer.send(KafkaProducerMessage(topic: topic, key: "warm-up", value: "0"))
        let failures = Failures()
        let stop = Failures.Flag()
        let outage = Task {
            try await Task.sleep(for: .milliseconds(500))
            try cluster.setBroker(1, up: false)
            try await Task.sleep(for: .seconds(5))
            try cluster.setBroker(1, up: true)
            try await Task.sleep(for: .seconds(1))
            stop.value.store(true, ordering: .relaxed)
        }
        let record: @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void = { result in
            if case .failure(let error) = result { failures.errors.withLock { $0.append("\(error)") } }
        }
        let sent = try await withThrowingTaskGroup(of: (String, Int).self) { group in
            for key in keys {
                group.addTask {
                    var sequence = 0
                    // At most 20,000 a key: the mock keeps 5 MiB a partition.
                    while !stop.value.load(ordering: .relaxed), sequence < 20_000 {
                        let message = KafkaProducerMessage(topic: topic, key: key, value: "\(sequence)")
                        switch path {
                        case .events:
                            try await producer.enqueue(message)
                        case .completion:
                            try await producer.enqueue(message, completion: record)
                        case .send:
                            do { record(.success(try await producer.send(message))) } catch let error as KafkaError { record(.failure(error)) }
                        }
                        sequence += 1
                        // Full rate, but let the outage task run on a busy machine.
                        if sequence % 256 == 0 { await Task.yield() }
                    }
                    return (key, sequence)
                }
            }
            return try await group.reduce(into: [String: Int]()) { $0[$1.0] = $1.1 }
        }
        try await outage.value
        #expect(await producer.flush(timeout: .seconds(90)))
        #expect(failures.errors.withLock { $0 }.isEmpty, "\(failures.errors.withLock { $0.prefix(3) })")
        #expect(producer.counters.failed.value == 0)
        let lines = try await Kcat.consume(bootstrap: cluster.bootstrapServers, topic: topic, format: "%k|%s\\n")
        var log: [String: [Int]] = [:]
        for line in lines {
            let fields = line.split(separator: "|")
            guard fields.count == 2, let value = Int(fields[1]) else { continue }
            log[String(fields[0]), default: []].append(value)
        }
        return (log, sent, producer, cluster)
    }

    /// Values that arrived after a higher one of their key, counting each value at its first
    /// appearance (a later copy is a duplicate of a first attempt the broker stored, not disorder).
    static func outOfOrder(_ values: [Int]) -> Int {
        var seen = Set<Int>(), highest = -1, late = 0
        for value in values where seen.insert(value).inserted {
            if value < highest { late += 1 } else { highest = value }
        }
        return late
    }

    @Test(arguments: Path.allCases)
    func threeKeysThroughABrokerOutagePastTheMessageTimeoutArriveInOrder(path: Path) async throws {
        let (log, sent, producer, cluster) = try await Self.produceThroughAnOutage(ordering: .perKey, path: path)
        for key in Self.keys {
            let values = log[key] ?? [], count = sent[key] ?? 0
            #expect(count > 0)
            #expect(Set(values) == Set(0..<count), "key \(key): \(count - Set(values).count) of \(count) missing")
            #expect(Self.outOfOrder(values) == 0, "key \(key): \(Self.outOfOrder(values)) out of order; duplicates: \(values.count - Set(values).count)")
        }
        #expect(producer.counters.orderBreaks.value == 0)
        #expect(producer.counters.retries.value == 0, "no message timed out: librdkafka had the whole budget and kept the order itself")
        #expect(producer.heldKeys == 0)
        await producer.shutdown()
        await cluster.shutdown()
    }

    /// The control: the same outage without the policy reorders (retries land after later
    /// messages), so the check above can fail.
    @Test func withoutThePolicyTheSameOutageBreaksTheOrder() async throws {
        let (log, sent, producer, cluster) = try await Self.produceThroughAnOutage(ordering: .none, path: .events)
        let late = Self.keys.map { Self.outOfOrder(log[$0] ?? []) }.reduce(0, +)
        #expect(producer.counters.retries.value > 0, "the outage outlasted message.timeout.ms: the retry layer acted")
        #expect(late > 0, "retries after later messages")
        #expect(Self.keys.allSatisfy { Set(log[$0] ?? []) == Set(0..<(sent[$0] ?? 0)) }, "nothing missing either way")
        await producer.shutdown()
        await cluster.shutdown()
    }

    /// Under the policy a timeout comes only once the whole budget is spent
    /// (`messageTimeout × (maxRetries + 1)`): final, with the order break after it.
    @Test func aMessageThatTimesOutAfterTheWholeBudgetFailsAndSaysTheOrderBroke() async throws {
        let cluster = try await LocalKafkaCluster.start(brokers: 1)
        cluster.createTopic("broken")
        let policy = KafkaProducerConfiguration.DeliveryPolicy(maxRetries: 1, retryBackoff: .milliseconds(50), maxRetryBackoff: .milliseconds(50), ordering: .perKey)
        let producer = try KafkaProducer(configuration: KafkaProducerTests.configuration(cluster, delivery: policy, messageTimeout: .milliseconds(500)),
                                         logger: KafkaProducerTests.quiet)
        _ = try await producer.send(KafkaProducerMessage(topic: "broken", key: "k", value: "warm-up"))
        try cluster.setBroker(1, up: false)
        let started = ContinuousClock.now
        try await producer.enqueue(KafkaProducerMessage(topic: "broken", key: "k", value: "first"))
        var events = producer.events.makeAsyncIterator()
        guard case .failed(let message, let error) = await events.next() else { Issue.record("expected the failure first"); return }
        let waited = ContinuousClock.now - started
        #expect(message.value == Array("first".utf8))
        #expect(waited >= .milliseconds(900), "librdkafka had 2 × 500 ms, not one message timeout: \(waited)")
        guard case .retriesExhausted(_, let last) = error else { Issue.record("\(error)"); return }
        #expect(last.name == "_MSG_TIMED_OUT")
        guard case .orderBroken(let broken) = await events.next() else { Issue.record("expected the order break next"); return }
        #expect(broken.topic == "broken" && broken.key == Array("k".utf8) && broken.partition == nil)
        guard case .failed = broken.reason else { Issue.record("\(broken.reason)"); return }
        #expect(producer.counters.orderBreaks.value == 1)
        #expect(producer.counters.retries.value == 0, "a timeout after the whole budget is not produced again")
        // The key was never held: once the broker is back (and librdkafka reconnected, which
        // may take longer than this short budget), the next message goes.
        try cluster.setBroker(1, up: true)
        #expect(producer.heldKeys == 0)
        var stored = false
        for _ in 0..<10 where !stored { stored = (try? await producer.send(KafkaProducerMessage(topic: "broken", key: "k", value: "second"))) != nil }
        #expect(stored)
        await producer.shutdown()
        let values = try await Kcat.consume(bootstrap: cluster.bootstrapServers, topic: "broken", format: "%s\\n")
        #expect(values.first == "warm-up" && values.last == "second", "\(values)")
        await cluster.shutdown()
    }

    /// The hold itself, through librdkafka: a batch of one key fails with an error librdkafka
    /// stops retrying (`retries` = 1 here), the key is held, the messages sent meanwhile wait,
    /// and the failed ones go again first, in order — 0..<40 in the log, once each.
    @Test func aKeyHeldAfterAnErrorLibrdkafkaGaveUpOnGoesAgainInOrder() async throws {
        let cluster = try MockKafkaCluster(brokers: 1)
        cluster.createTopic("held", partitions: 1)
        // The key stays held for the backoff, half of it at least (jitter): a second, so that a
        // loaded machine (the test polls every 5 ms, and a parallel run can starve it for a
        // few hundred) still sees the hold; at 200 ms one full-suite run did not.
        let policy = KafkaProducerConfiguration.DeliveryPolicy(retryBackoff: .seconds(2), maxRetryBackoff: .seconds(2), ordering: .perKey)
        var configuration = KafkaProducerTests.configuration(cluster, delivery: policy, extra: ["retries": "1"])
        configuration.linger = .milliseconds(200)
        let producer = try KafkaProducer(configuration: configuration, logger: KafkaProducerTests.quiet)
        _ = try await producer.send(KafkaProducerMessage(topic: "held", key: "k", value: "warm-up"))
        // The next Produce and its one retry are refused: 0..<20, lingering into one batch, fail.
        cluster.pushRequestErrors(apiKey: .produce, [.notEnoughReplicas, .notEnoughReplicas])
        for value in 0..<20 { try await producer.enqueue(KafkaProducerMessage(topic: "held", key: "k", value: "\(value)")) }
        let failing = ContinuousClock.now + .seconds(10)
        while producer.heldKeys == 0, ContinuousClock.now < failing { try await Task.sleep(for: .milliseconds(5)) }
        #expect(producer.heldKeys == 1, "the batch failed: its key is held")
        for value in 20..<40 { try await producer.enqueue(KafkaProducerMessage(topic: "held", key: "k", value: "\(value)")) }
        #expect(await producer.flush(timeout: .seconds(30)))
        #expect(producer.counters.retries.value == 20)
        #expect(producer.counters.orderBreaks.value == 0)
        #expect(producer.heldKeys == 0)
        await producer.shutdown()
        let values = try await Kcat.consume(bootstrap: cluster.bootstrapServers, topic: "held", format: "%s\\n")
        #expect(values == ["warm-up"] + (0..<40).map(String.init), "\(values)")
    }
}
