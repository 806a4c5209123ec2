import Foundation
import Synchronization
import Testing
@testable import MSKKafka

struct BacklogMemoryReleaseTests {
    final class Releases: Sendable {
        let count = Atomic<Int>(0)
    }

    @Test func releasesOnceAfterEachBacklogThatDrained() {
        let releases = Releases()
        let manual = ManualTiming()
        let watch = BacklogMemoryRelease(threshold: 2_000, minimumInterval: .zero, timing: manual.timing) { releases.count.add(1, ordering: .relaxed) }
        // A small backlog, drained: nothing to give back (nothing even scheduled).
        for depth in stride(from: 0, through: 1_500, by: 100) { watch.observe(depth: depth) }
        for depth in stride(from: 1_500, through: 0, by: -100) { watch.observe(depth: depth) }
        #expect(manual.runWaiting().isEmpty)
        #expect(releases.count.load(ordering: .relaxed) == 0)

        // An outage's backlog: released once, when it is down to a twentieth of its peak.
        for depth in stride(from: 0, through: 9_000, by: 500) { watch.observe(depth: depth) }
        watch.observe(depth: 1_000)
        #expect(manual.runWaiting().isEmpty, "not drained yet")
        for depth in [400, 10, 3, 0, 0, 5] { watch.observe(depth: depth) }
        #expect(manual.runWaiting() == [.zero], "one release, at once")
        #expect(releases.count.load(ordering: .relaxed) == 1)

        // The next outage, the next release.
        for depth in stride(from: 0, through: 3_000, by: 300) { watch.observe(depth: depth) }
        for depth in stride(from: 3_000, through: 0, by: -300) { watch.observe(depth: depth) }
        #expect(manual.runWaiting() == [.zero])
        #expect(releases.count.load(ordering: .relaxed) == 2)
    }

    @Test func theDefaultReleaseRunsOnTheSystemQueue() async throws {
        // The system timing, end to end: a drained backlog releases on a background queue.
        let releases = Releases()
        let watch = BacklogMemoryRelease(threshold: 10, minimumInterval: .zero) { releases.count.add(1, ordering: .relaxed) }
        for depth in [0, 100, 0] { watch.observe(depth: depth) }
        let deadline = ContinuousClock.now + .seconds(10)
        while releases.count.load(ordering: .relaxed) == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(releases.count.load(ordering: .relaxed) == 1)
    }

    /// A clock and a delayed-work queue moved by hand, so that "at once" and "after the
    /// interval" do not depend on how loaded the machine is.
    final class ManualTiming: Sendable {
        private let clock = Mutex(ContinuousClock.now)
        private let waiting = Mutex<[(delay: Duration, work: @Sendable () -> Void)]>([])

        var timing: BacklogMemoryRelease.Timing {
            BacklogMemoryRelease.Timing(now: { self.clock.withLock { $0 } }) { delay, work in
                self.waiting.withLock { $0.append((delay, work)) }
            }
        }

        func advance(by duration: Duration) {
            clock.withLock { $0 += duration }
        }

        /// Runs the work scheduled so far; returns the delays it was scheduled with.
        func runWaiting() -> [Duration] {
            let due = waiting.withLock { waiting in
                defer { waiting = [] }
                return waiting
            }
            for item in due { item.work() }
            return due.map(\.delay)
        }
    }

    @Test func backlogsThatDrainInQuickSuccessionAreReleasedAtMostOncePerInterval() {
        let releases = Releases()
        let manual = ManualTiming()
        let watch = BacklogMemoryRelease(threshold: 2_000, minimumInterval: .seconds(30), timing: manual.timing) {
            releases.count.add(1, ordering: .relaxed)
        }
        func backlog() {
            for depth in stride(from: 0, through: 5_000, by: 1_000) { watch.observe(depth: depth) }
            watch.observe(depth: 0)
        }
        backlog()
        #expect(manual.runWaiting() == [.zero], "the first drain releases at once")
        #expect(releases.count.load(ordering: .relaxed) == 1)

        // A busy producer: the buffer fills and drains over and over within the interval.
        manual.advance(by: .seconds(1))
        for _ in 0..<10 { backlog() }
        #expect(manual.runWaiting() == [.seconds(29)], "one release for them all, when the interval is up")
        #expect(releases.count.load(ordering: .relaxed) == 2)

        // Past the interval, a drain releases at once again.
        manual.advance(by: .seconds(31))
        backlog()
        #expect(manual.runWaiting() == [.zero])
        #expect(releases.count.load(ordering: .relaxed) == 3)
    }

    @Test func theDefaultReleaseIsGlibcsMallocTrim() throws {
        // Looked up at run time (Swift's Glibc module does not import malloc.h): on glibc it
        // must be found, or every release would silently do nothing.
        let trim = try #require(BacklogMemoryRelease.mallocTrim, "malloc_trim was not found")
        #expect([0, 1].contains(trim(0)), "malloc_trim returns whether it released memory")
        BacklogMemoryRelease.trimHeap()
    }
}
