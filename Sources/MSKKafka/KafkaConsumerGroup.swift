import Dispatch
import Logging
import Synchronization

// How rebalances reach the application, and why a revocation waits for it.
//
// librdkafka calls the rebalance callback from `rd_kafka_consumer_poll`, on the consumer's
// reader thread. Whatever the callback does before it returns happens before librdkafka gives
// the partitions up, so that is where a revocation waits for the application: the event goes
// to the application with an acknowledgement, and the callback waits (bounded by
// `revokeAcknowledgementTimeout`) until the application has committed and acknowledged.
// A callback hook run on the reader thread was the alternative; it would run application code
// on a thread that must never block long, and could not `await`. The event lets the
// application commit with whatever it already uses (`commit`, `commitAsync`, `store`) from its
// own task.
//
// Rebalance events skip the queue of messages read ahead: they wait in a mailbox the iterator
// looks at before every message, so a revocation reaches the application after the message
// it is processing, not after thousands read ahead. The messages read ahead from revoked
// partitions are dropped (each message carries the epoch of its partition when it was read;
// revoking, pausing and seeking start a new epoch), so that the application never processes a
// message after it has committed and given its partition up: the next owner reads it from the
// committed offset instead.

/// The application's go-ahead for a revocation.
final class RevokeAcknowledgement: Sendable {
    private let done = Atomic<Bool>(false)
    private let signal = DispatchSemaphore(value: 0)

    func acknowledge() {
        guard !done.exchange(true, ordering: .acquiringAndReleasing) else { return }
        signal.signal()
    }

    /// Waits until acknowledged or `timeout` passes; true if acknowledged.
    func wait(timeout: Duration) -> Bool {
        signal.wait(timeout: .now() + .nanoseconds(Int(timeout.milliseconds) * 1_000_000)) == .success
    }
}

/// Per partition: its epoch (messages read in an earlier one are dropped before they reach
/// the application) and where the application is in it.
final class PartitionTracker: Sendable {
    private struct State {
        var epoch: UInt64
        /// The offset of the last message handed to the application in this epoch.
        var lastDelivered: Int64?
        /// The offset of the first message read from librdkafka in this epoch.
        var firstRead: Int64?
        /// Where to read from when resumed (the application's position when paused).
        var resumeAt: Int64?
    }

    private let states = Mutex<(next: UInt64, byPartition: [KafkaTopicPartition: State])>((1, [:]))
    /// Once the consumer is closed, nothing read ahead is handed over.
    private let closed = Atomic<Bool>(false)

    func close() { closed.store(true, ordering: .releasing) }

    /// The epoch to stamp a message read now with (reader thread).
    func stamp(_ partition: KafkaTopicPartition, offset: Int64) -> UInt64 {
        states.withLock { states in
            if var state = states.byPartition[partition] {
                if state.firstRead == nil {
                    state.firstRead = offset
                    states.byPartition[partition] = state
                }
                return state.epoch
            }
            defer { states.next += 1 }
            states.byPartition[partition] = State(epoch: states.next, firstRead: offset)
            return states.next
        }
    }

    /// Whether a message read in `epoch` may still be handed over; if so it counts as handed.
    func deliver(_ partition: KafkaTopicPartition, offset: Int64, epoch: UInt64) -> Bool {
        guard !closed.load(ordering: .acquiring) else { return false }
        return states.withLock { states in
            guard states.byPartition[partition]?.epoch == epoch else { return false }
            states.byPartition[partition]?.lastDelivered = offset
            return true
        }
    }

    /// Starts a new epoch for each partition (what was read ahead is dropped); returns each
    /// one's application position before: the offset the application would have been handed
    /// next, if known.
    @discardableResult
    func restart(_ partitions: [KafkaTopicPartition], keepResume: Bool = false) -> [KafkaTopicPartition: Int64] {
        states.withLock { states in
            var positions: [KafkaTopicPartition: Int64] = [:]
            for partition in partitions {
                let old = states.byPartition[partition]
                if let position = old?.lastDelivered.map({ $0 + 1 }) ?? old?.firstRead { positions[partition] = position }
                states.byPartition[partition] = State(epoch: states.next, resumeAt: keepResume ? old?.resumeAt : nil)
                states.next += 1
            }
            return positions
        }
    }

    /// Forgets partitions given up (what was read ahead from them is dropped).
    func remove(_ partitions: [KafkaTopicPartition]) {
        states.withLock { states in
            for partition in partitions { states.byPartition[partition] = nil }
        }
    }

    /// Pauses: a new epoch, remembering where the application was.
    func pause(_ partitions: [KafkaTopicPartition]) {
        let positions = restart(partitions)
        states.withLock { states in
            for (partition, position) in positions { states.byPartition[partition]?.resumeAt = position }
        }
    }

    /// Where to seek each partition before resuming it (and forgets it).
    func takeResumePositions(_ partitions: [KafkaTopicPartition]) -> [KafkaTopicPartition: Int64] {
        states.withLock { states in
            var positions: [KafkaTopicPartition: Int64] = [:]
            for partition in partitions {
                if let position = states.byPartition[partition]?.resumeAt { positions[partition] = position }
                states.byPartition[partition]?.resumeAt = nil
            }
            return positions
        }
    }

    /// The application's position: the offset of the message it will be handed next, when
    /// known here (a message was handed or read ahead in this epoch, or it is paused).
    func position(_ partition: KafkaTopicPartition) -> Int64? {
        states.withLock { states in
            guard let state = states.byPartition[partition] else { return nil }
            return state.lastDelivered.map { $0 + 1 } ?? state.firstRead ?? state.resumeAt
        }
    }
}

/// What the reader yields: a message with its partition's epoch, or a nudge to look at the
/// rebalance mailbox.
enum ConsumerElement: Sendable {
    case message(KafkaConsumerMessage, epoch: UInt64)
    case rebalance
}

/// The consumer's group side, reached by the rebalance callback through the callback context.
final class ConsumerGroupState: Sendable {
    let tracker = PartitionTracker()
    /// Held by the reader while it polls and stamps, and by `pause`/`resume`/`seek` while they
    /// start a new epoch, so that no message is stamped in between. A semaphore, not a lock:
    /// the reader gives it up inside the rebalance callback while it waits for the application
    /// (which may pause or seek meanwhile).
    let gate = DispatchSemaphore(value: 1)
    private let mailbox = Mutex<[KafkaRebalance]>([])
    private let pending = Mutex<RevokeAcknowledgement?>(nil)
    private let closing = Atomic<Bool>(false)
    private let continuation: AsyncStream<ConsumerElement>.Continuation
    private let acknowledgementTimeout: Duration
    private let logger: Logger

    init(continuation: AsyncStream<ConsumerElement>.Continuation, acknowledgementTimeout: Duration, logger: Logger) {
        self.continuation = continuation
        self.acknowledgementTimeout = acknowledgementTimeout
        self.logger = logger
    }

    /// Whether a revocation waits for the application now.
    var awaitsAcknowledgement: Bool { pending.withLock { $0 != nil } }

    /// The oldest rebalance the application has not seen.
    func takeRebalance() -> KafkaRebalance? {
        mailbox.withLock { $0.isEmpty ? nil : $0.removeFirst() }
    }

    /// From now on revocations do not wait (the consumer is closing); one waiting now goes on.
    func startClosing() {
        closing.store(true, ordering: .sequentiallyConsistent)
        tracker.close()
        pending.withLock { $0 }?.acknowledge()
    }

    private func publish(_ rebalance: KafkaRebalance) {
        mailbox.withLock { $0.append(rebalance) }
        continuation.yield(.rebalance)
    }

    /// The rebalance callback's work (the reader thread, or the closing thread inside
    /// `rd_kafka_consumer_close`).
    func rebalance(_ rebalance: RdKafkaRebalance) {
        let partitions = rebalance.partitions
        let rebalanceProtocol = rebalance.rebalanceProtocol
        switch rebalance.request {
        case .assign:
            tracker.restart(partitions)
            publish(KafkaRebalance(kind: .assigned, partitions: partitions, rebalanceProtocol: rebalanceProtocol, acknowledgement: nil))
            if let failure = rebalance.take() { logger.error("could not take the partitions the group assigned", metadata: ["error": "\(failure)"]) }
        case .revoke:
            let lost = rebalance.isLost
            // Dropped from here on: what was read ahead from these partitions is not handed over.
            tracker.remove(partitions)
            if !partitions.isEmpty {
                if lost || closing.load(ordering: .sequentiallyConsistent) {
                    publish(KafkaRebalance(kind: lost ? .lost : .revoked, partitions: partitions, rebalanceProtocol: rebalanceProtocol, acknowledgement: nil))
                } else {
                    waitForTheApplication(KafkaRebalance(kind: .revoked, partitions: partitions, rebalanceProtocol: rebalanceProtocol,
                                                         acknowledgement: RevokeAcknowledgement()))
                }
            }
            if let failure = rebalance.giveUp() { logger.warning("could not give revoked partitions up", metadata: ["error": "\(failure)"]) }
        case .failed(let name):
            logger.error("rebalance failed", metadata: ["code": "\(name)"])
            tracker.remove(partitions)
            rebalance.giveUpEverything()
        }
    }

    /// Publishes a revocation and waits for its acknowledgement, giving the gate up meanwhile.
    /// Only ever on the reader thread, inside its poll (which holds the gate): while the
    /// consumer is not closing, nothing else serves the rebalance callback.
    private func waitForTheApplication(_ rebalance: KafkaRebalance) {
        guard let acknowledgement = rebalance.acknowledgement else { return }
        pending.withLock { $0 = acknowledgement }
        publish(rebalance)
        if closing.load(ordering: .sequentiallyConsistent) { acknowledgement.acknowledge() }
        gate.signal()
        if !acknowledgement.wait(timeout: acknowledgementTimeout) {
            logger.warning("the application did not acknowledge a revocation in time; giving the partitions up",
                           metadata: ["partitions": "\(rebalance.partitions.map(\.description).joined(separator: ","))",
                                      "timeout": "\(acknowledgementTimeout)"])
        }
        gate.wait()
        pending.withLock { $0 = nil }
    }

    /// Ends the application's stream after the last rebalance events.
    func finish() { continuation.finish() }
}

/// Asynchronous commits waiting for their results, by id (the id travels as librdkafka's
/// `commit_opaque`, so nothing is retained across C).
final class CommitCompletions: Sendable {
    typealias Completion = @Sendable (Result<Void, KafkaError>) -> Void
    private let waiting = Mutex<(next: Int, byID: [Int: Completion], closed: Bool)>((1, [:], false))

    /// Registers `completion`; nil once closed.
    func add(_ completion: @escaping Completion) -> Int? {
        waiting.withLock { state in
            guard !state.closed else { return nil }
            defer { state.next += 1 }
            state.byID[state.next] = completion
            return state.next
        }
    }

    func take(_ id: Int) -> Completion? {
        waiting.withLock { $0.byID.removeValue(forKey: id) }
    }

    /// Fails whatever is still waiting, and every later commit.
    func close() {
        let left = waiting.withLock { state -> [Completion] in
            state.closed = true
            defer { state.byID = [:] }
            return Array(state.byID.values)
        }
        for completion in left { completion(.failure(.consumer(.closed(.commit)))) }
    }
}
