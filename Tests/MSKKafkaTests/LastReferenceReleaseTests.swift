import Foundation
import MSKKafka
import MSKKafkaTesting
import Synchronization
import Testing

/// Releasing the last reference to a producer or consumer from any thread — a completion
/// handler on a poll thread included — tears it down without deadlock or crash.
@Suite(.timeLimit(.minutes(1)))
struct LastReferenceReleaseTests {
    /// The one strong reference, handed to the handler so that it is dropped wherever the
    /// handler runs.
    final class LastReference<Client: Sendable>: Sendable {
        let client: Mutex<Client?>
        init(_ client: Client) { self.client = Mutex(client) }
        func release() { client.withLock { $0 = nil } }
    }

    /// Set once, from any thread.
    final class Flag: Sendable {
        private let value = Atomic(false)
        func set() { value.store(true, ordering: .releasing) }
        var isSet: Bool { value.load(ordering: .acquiring) }

        /// Waits for the flag with a deadline; a teardown that deadlocks on its own thread never sets it.
        func wait(seconds: Int) async throws -> Bool {
            let deadline = ContinuousClock.now + .seconds(seconds)
            while !isSet, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            return isSet
        }
    }

    @Test func aCompletionHandlerThatDropsTheLastReferenceToItsProducerReturns() async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("released")
        let returned = Flag()
        let weakProducer = WeakBox<KafkaProducer>()
        do {
            let producer = try KafkaProducer(configuration: KafkaProducerTests.configuration(cluster), logger: KafkaProducerTests.quiet)
            weakProducer.set(producer)
            let last = LastReference(producer)
            try await producer.enqueue(KafkaProducerMessage(topic: "released", value: "the last one")) { _ in
                last.release()  // the producer's deinit runs here, on the thread that reports deliveries
                returned.set()
            }
        }
        #expect(try await returned.wait(seconds: 20), "the handler that released the producer never returned (teardown deadlocked on its own thread)")
        #expect(weakProducer.isEmpty, "the producer outlived its last reference")
        // The process is still healthy: another producer works.
        let next = try KafkaProducer(configuration: KafkaProducerTests.configuration(cluster), logger: KafkaProducerTests.quiet)
        let report = try await next.send(KafkaProducerMessage(topic: "released", value: "after"))
        #expect(report.offset >= 0)
        await next.shutdown()
    }

    @Test func aConsumerReleasedFromAnotherClientsCallbackThreadWithMessagesReadAheadTearsDown() async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("released-consumer")
        let producer = try KafkaProducer(configuration: KafkaProducerTests.configuration(cluster), logger: KafkaProducerTests.quiet)
        for index in 0..<100 { try await producer.enqueue(KafkaProducerMessage(topic: "released-consumer", partition: 0, value: "m\(index)")) }
        #expect(await producer.flush(timeout: .seconds(10)))
        let weakConsumer = WeakBox<KafkaConsumer>()
        let returned = Flag()
        do {
            let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(connection: cluster.connection, groupID: "released"),
                                             logger: KafkaProducerTests.quiet)
            weakConsumer.set(consumer)
            try consumer.assign([(topic: "released-consumer", partition: 0, offset: KafkaConsumer.beginning)])
            var iterator = consumer.messages.makeAsyncIterator()
            #expect(await iterator.next()?.valueString == "m0")
            try await Task.sleep(for: .milliseconds(300))  // the reader reads the rest ahead
            let last = LastReference(consumer)
            // The producer's completion handler runs on its poll thread: the consumer goes there.
            try await producer.enqueue(KafkaProducerMessage(topic: "released-consumer", value: "release")) { _ in
                last.release()
                returned.set()
            }
        }
        #expect(try await returned.wait(seconds: 20), "the handler that released the consumer never returned")
        #expect(weakConsumer.isEmpty, "the consumer outlived its last reference")
        await producer.shutdown()
    }
}

/// A weak reference readable from any thread.
final class WeakBox<Object: AnyObject & Sendable>: Sendable {
    private let reference = Mutex<Weak>(Weak())
    private struct Weak { weak var object: Object? }
    func set(_ object: Object) { reference.withLock { $0.object = object } }
    var isEmpty: Bool { reference.withLock { $0.object == nil } }
}
