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
/// a compare in the common case); the trim itself runs on a background queue.
final class BacklogMemoryRelease: Sendable {
    private let threshold: Int
    /// The deepest the buffer has been since the last release.
    private let peak = Atomic<Int>(0)
    private let release: @Sendable () -> Void

    /// `release` defaults to glibc's `malloc_trim(0)` (a no-op where there is none).
    init(threshold: Int, release: @escaping @Sendable () -> Void = BacklogMemoryRelease.trimHeap) {
        self.threshold = threshold
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
            let release = self.release
            DispatchQueue.global(qos: .utility).async { release() }
        }
    }

    /// glibc's `malloc_trim(0)`, looked up at run time (Swift's Glibc module does not import
    /// `malloc.h`, and other C libraries have no such call).
    static let trimHeap: @Sendable () -> Void = {
        typealias MallocTrim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "malloc_trim") else { return {} }
        let trim = unsafeBitCast(symbol, to: MallocTrim.self)
        return { _ = trim(0) }
    }()
}
