import Synchronization

/// The keys held back under ``KafkaProducerConfiguration/Ordering/perKey``: for each key one of
/// whose messages failed retriably, its failed messages (in the order they were sent) and the
/// later messages waiting behind them.
///
/// A state machine under one lock. It decides; the ``DeliveryHandler`` carries out what it
/// answers (produce, schedule a release, report) outside the lock — a produce that librdkafka
/// refuses comes straight back here through the handler.
///
/// What reaches it: under per-key order librdkafka has the whole delivery budget
/// (``KafkaProducerConfiguration/deliveryTimeout``) and a timeout is final, so a key is held
/// only after a refusal at enqueue (its queue full) or an error librdkafka stopped retrying
/// (a `retries` set low). A failure reported by librdkafka while later messages of its
/// partition were still queued lets those be stored ahead of it (``Decision/overtaken``,
/// reported); those that fail instead are younger than the failed one, so they join the
/// lane behind it — in `late` once a run has gone, so that a run that fails again goes first.
/// A failure refused at enqueue leaves nothing younger of its key in librdkafka: the key's
/// later messages wait here.
final class KeyOrderLanes: Sendable {
    /// What a message's order is kept by: its topic, key bytes and explicit partition.
    struct Key: Hashable, Sendable {
        var topic: String
        var partition: Int32?
        var bytes: [UInt8]

        init(topic: String, partition: Int32?, bytes: [UInt8]) {
            self.topic = topic
            self.partition = partition
            self.bytes = bytes
        }

        /// Nil for a message without a key: it has no order to keep.
        init?(_ message: KafkaProducerMessage) {
            guard let key = message.key else { return nil }
            self.init(topic: message.topic, partition: message.partition, bytes: key)
        }
    }

    /// What the handler does next for a key.
    enum Next: Equatable {
        case nothing
        /// Release the key's failed messages after this backoff (``takeRun(_:)``).
        case schedule(Duration)
        /// Hand the held messages to librdkafka (``takeHeld(_:)``); the key is then free.
        case releaseHeld
    }

    /// What a delivered message of a held key means.
    enum Decision: Equatable {
        case next(Next)
        /// Stored ahead of a failed message of its key that is still to be produced again:
        /// the key's order is broken (reported once per hold).
        case overtaken
    }

    /// What ``takeHeld(_:)`` gives.
    enum HeldRelease {
        /// Produce these, in order, then ask again.
        case produce([PendingMessage])
        /// Done: the key is free (`.nothing`), or a held message failed meanwhile and the key
        /// stays held (`.schedule`).
        case finished(Next)
    }

    private struct Lane {
        /// Failed, waiting to be produced again, in the order they were sent.
        var failed: [PendingMessage] = []
        /// First attempts that librdkafka held from before the key was held and that failed
        /// after a release: younger than every message of that release, so they go after
        /// those that fail again.
        var late: [PendingMessage] = []
        /// Sent after the key was held, waiting for the failed ones.
        var held: [PendingMessage] = []
        /// Failed messages produced again and not reported yet.
        var inFlight = 0
        var releaseScheduled = false
        /// Produced again once already: first attempts failing from now on are `late`.
        var releasedOnce = false
        /// A first attempt failed in a delivery report: later messages of the key that
        /// librdkafka still had may be stored ahead of it. (After a refusal at enqueue none
        /// can: the key's later messages were held here.)
        var mayBeOvertaken = false
        /// The held messages are being handed to librdkafka; the lane goes when that is done.
        var releasingHeld = false
        /// The backoff the latest failure asked for.
        var backoff: Duration = .zero
        var overtakenReported = false

        /// The next step once nothing else is under way.
        mutating func next() -> Next {
            guard inFlight == 0, !releaseScheduled, !releasingHeld else { return .nothing }
            if failed.isEmpty, late.isEmpty {
                releasingHeld = true
                return .releaseHeld
            }
            releaseScheduled = true
            return .schedule(backoff)
        }
    }

    private struct State {
        var lanes: [Key: Lane] = [:]
        var closed = false
    }

    private let state = Mutex(State())
    /// How many keys are held: the producer and the delivery reports look keys up only while
    /// some are, so that the common case costs one atomic load per message.
    private let held = Atomic<Int>(0)

    init() {}

    /// Whether any key is held.
    var isHolding: Bool { held.load(ordering: .acquiring) > 0 }

    /// Keys held now.
    var heldKeys: Int { held.load(ordering: .acquiring) }

    /// Keeps a new message back if its key is held; false if it may be produced now.
    func hold(_ message: KafkaProducerMessage, byteCount: Int, target: DeliveryTarget) -> Bool {
        guard let key = Key(message) else { return false }
        return state.withLock { state in
            guard !state.closed, state.lanes[key] != nil else { return false }
            state.lanes[key]?.held.append(PendingMessage(message: message, attempt: 1, byteCount: byteCount, target: target))
            return true
        }
    }

    /// A message of `key` failed retriably — `reported` by librdkafka, or refused at enqueue;
    /// `retry` is its next attempt, due after `backoff`. Nil once closed (the caller fails it).
    func failed(_ key: Key, retry: PendingMessage, backoff: Duration, reported: Bool) -> Next? {
        state.withLock { state in
            guard !state.closed else { return nil }
            if state.lanes[key] == nil {
                state.lanes[key] = Lane()
                held.add(1, ordering: .releasing)
            }
            return modify(&state, key) { lane in
                if retry.attempt > 2 {
                    // An attempt after the first: it came out of this lane's last release.
                    if lane.inFlight > 0 { lane.inFlight -= 1 }
                    lane.failed.append(retry)
                } else if lane.releasedOnce {
                    lane.late.append(retry)
                } else {
                    lane.failed.append(retry)
                }
                if reported, retry.attempt == 2 { lane.mayBeOvertaken = true }
                lane.backoff = backoff
                return lane.next()
            }
        }
    }

    /// A message of `key`, produced as its `attempt`th attempt, was stored.
    func delivered(_ key: Key, attempt: Int) -> Decision {
        state.withLock { state in
            guard state.lanes[key] != nil else { return .next(.nothing) }
            return modify(&state, key) { lane in
                if attempt > 1, lane.inFlight > 0 {
                    lane.inFlight -= 1
                    return .next(lane.next())
                }
                // A held message on its way, or one that librdkafka had before the key was held:
                // older than the failed ones unless one of those failed in a report.
                guard lane.mayBeOvertaken, !lane.releasingHeld, !lane.overtakenReported else { return .next(.nothing) }
                lane.overtakenReported = true
                return .overtaken
            }
        }
    }

    /// A message of `key`, produced as its `attempt`th attempt, finally failed. Nil once
    /// closed (shutdown: every message fails, no order is left to report on).
    func finallyFailed(_ key: Key, attempt: Int) -> Next? {
        state.withLock { state in
            guard !state.closed else { return nil }
            guard state.lanes[key] != nil, attempt > 1 else { return .nothing }
            return modify(&state, key) { lane in
                guard lane.inFlight > 0 else { return .nothing }
                lane.inFlight -= 1
                return lane.next()
            }
        }
    }

    /// The key's release is due: its failed messages, to produce again in this order, and
    /// what to do if there were none.
    func takeRun(_ key: Key) -> (run: [PendingMessage], then: Next) {
        state.withLock { state in
            guard !state.closed, state.lanes[key] != nil else { return ([], .nothing) }
            return modify(&state, key) { lane in
                lane.releaseScheduled = false
                lane.releasedOnce = true
                let run = lane.failed + lane.late
                lane.failed = []
                lane.late = []
                lane.inFlight += run.count
                return (run, run.isEmpty ? lane.next() : .nothing)
            }
        }
    }

    /// The held messages to hand to librdkafka, batch by batch, until none are left: the key
    /// is then free — unless one of them failed meanwhile.
    func takeHeld(_ key: Key) -> HeldRelease {
        state.withLock { state in
            guard !state.closed, let lane = state.lanes[key], lane.releasingHeld else { return .finished(.nothing) }
            if !lane.held.isEmpty {
                return modify(&state, key) { lane in
                    defer { lane.held = [] }
                    return .produce(lane.held)
                }
            }
            if lane.failed.isEmpty, lane.late.isEmpty, lane.inFlight == 0 {
                state.lanes[key] = nil
                held.subtract(1, ordering: .releasing)
                return .finished(.nothing)
            }
            return modify(&state, key) { lane in
                lane.releasingHeld = false
                return .finished(lane.next())
            }
        }
    }

    /// Shuts down: every message still held or waiting, failed ones first, key by key.
    func close() -> [PendingMessage] {
        state.withLock { state in
            state.closed = true
            defer {
                state.lanes = [:]
                held.store(0, ordering: .releasing)
            }
            return state.lanes.values.flatMap { $0.failed + $0.late + $0.held }
        }
    }

    /// Runs `body` on the lane of `key`, in place (the caller checked that it exists).
    private func modify<Result>(_ state: inout State, _ key: Key, _ body: (inout Lane) -> Result) -> Result {
        body(&state.lanes[key]!)
    }
}

/// Whether ``KeyOrderLanes`` holds any key, read without retaining the lanes: the producer and
/// the delivery reports ask once per message, on two threads, and a retain and release of the
/// lanes there put its reference count's cache line between them — about 50 ns a message, most
/// of per-key order's cost when no key is held. Its owners (the producer, the delivery handler)
/// keep a strong reference to the same lanes for as long as they hold this.
struct KeyOrderProbe: Sendable {
    private let lanes: Unmanaged<KeyOrderLanes>?

    init(_ lanes: KeyOrderLanes?) {
        self.lanes = lanes.map { Unmanaged.passUnretained($0) }
    }

    /// Whether some key is held; `false` without per-key order.
    var isHolding: Bool {
        lanes?._withUnsafeGuaranteedRef { $0.isHolding } ?? false
    }
}
