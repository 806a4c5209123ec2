import Foundation
import Synchronization

/// Gives the heap a backlog grew back to the system once the backlog has drained.
///
/// During an outage the buffer fills (librdkafka's copies, the messages waiting for a retry);
/// when it drains, glibc keeps the freed memory, and later outages, allocating in a different
/// order or from other threads' arenas, step the resident size up again. The soak showed it:
/// heap in use back to 1 MiB after each STS outage, free-but-kept 2 → 8 → 14 MiB. One
/// `malloc_trim(0)` after each drained backlog returns it.
///
/// ``observe(depth:)`` is called after every serve of librdkafka's queue (one atomic load and
/// a compare in the common case); the trim itself runs on a background queue, at most once per
/// `minimumInterval`. A busy producer's buffer fills and drains many times a second (a 1 M
/// message benchmark run trimmed six times in 0.8 s): each trim walks the whole heap, and the
/// producing thread then faults the pages it gave back in again. A drain that comes sooner
/// than that after the last trim gets its trim when the interval is up.
final class BacklogMemoryRelease: Sendable {
    private let threshold: Int
    private let minimumInterval: Duration
    /// The deepest the buffer has been since the last release.
    private let peak = Atomic<Int>(0)
    private let release: @Sendable () -> Void

    private struct Schedule {
        var lastRelease: ContinuousClock.Instant?
        /// A release is on its way: it covers any backlog that drains before it runs.
        var pending = false
    }

    private let schedule = Mutex(Schedule())
    private let timing: Timing

    /// The clock, and how to run work after a delay: a background queue, or a test's hand.
    struct Timing: Sendable {
        var now: @Sendable () -> ContinuousClock.Instant
        var after: @Sendable (Duration, @escaping @Sendable () -> Void) -> Void

        static let system = Timing(now: { .now }) { delay, work in
            let (seconds, attoseconds) = delay.components
            let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
            DispatchQueue.global(qos: .utility).asyncAfter(deadline: .now() + .nanoseconds(nanoseconds), execute: work)
        }
    }

    /// `release` defaults to glibc's `malloc_trim(0)` (a no-op where there is none).
    init(threshold: Int, minimumInterval: Duration = .seconds(30), timing: Timing = .system,
         release: @escaping @Sendable () -> Void = BacklogMemoryRelease.trimHeap) {
        self.threshold = threshold
        self.minimumInterval = minimumInterval
        self.timing = timing
        self.release = release
    }

    /// The buffer holds `depth` messages now.
    func observe(depth: Int) {
        let deepest = peak.load(ordering: .relaxed)
        if depth > deepest {
            // Racy by design: a lost update only delays the release by one observation.
            peak.store(depth, ordering: .relaxed)
        } else if deepest >= threshold, depth <= deepest / 20,
                  peak.compareExchange(expected: deepest, desired: 0, ordering: .relaxed).exchanged {
            releaseSoon()
        }
    }

    /// Runs `release` now, or once `minimumInterval` has passed since the last one.
    private func releaseSoon() {
        let delay: Duration? = schedule.withLock { schedule in
            guard !schedule.pending else { return nil }
            schedule.pending = true
            guard let last = schedule.lastRelease else { return .zero }
            return max(.zero, last + minimumInterval - timing.now())
        }
        guard let delay else { return }
        timing.after(delay) { [self] in
            release()
            schedule.withLock { schedule in
                schedule.lastRelease = timing.now()
                schedule.pending = false
            }
        }
    }

    /// glibc's `malloc_trim(0)`, looked up at run time (Swift's Glibc module does not import
    /// `malloc.h`, and other C libraries have no such call).
    static let trimHeap: @Sendable () -> Void = {
        guard let trim = mallocTrim else { return {} }
        return { _ = trim(0) }
    }()

    /// glibc's `malloc_trim`, or `nil` where the C library has none.
    static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
    }()
}
