import Foundation
import Synchronization
import Testing
@testable import MSKKafka

struct BacklogMemoryReleaseTests {
    final class Releases: Sendable {
        let count = Atomic<Int>(0)
    }

    /// Waits for the background release (it runs on a global queue).
    static func settle(_ releases: Releases, atLeast: Int, within: Duration = .seconds(5)) async throws {
        let deadline = ContinuousClock.now + within
        while releases.count.load(ordering: .relaxed) < atLeast, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(50))
    }

    @Test func releasesOnceAfterEachBacklogThatDrained() async throws {
        let releases = Releases()
        let watch = BacklogMemoryRelease(threshold: 2_000, minimumInterval: .zero) { releases.count.add(1, ordering: .relaxed) }
        // A small backlog, drained: nothing to give back.
        for depth in stride(from: 0, through: 1_500, by: 100) { watch.observe(depth: depth) }
        for depth in stride(from: 1_500, through: 0, by: -100) { watch.observe(depth: depth) }
        try await Self.settle(releases, atLeast: 0)
        #expect(releases.count.load(ordering: .relaxed) == 0)

        // An outage's backlog: released once, when it is down to a twentieth of its peak.
        for depth in stride(from: 0, through: 9_000, by: 500) { watch.observe(depth: depth) }
        watch.observe(depth: 1_000)
        try await Self.settle(releases, atLeast: 0)
        #expect(releases.count.load(ordering: .relaxed) == 0, "not drained yet")
        for depth in [400, 10, 3, 0, 0, 5] { watch.observe(depth: depth) }
        try await Self.settle(releases, atLeast: 1)
        #expect(releases.count.load(ordering: .relaxed) == 1)

        // The next outage, the next release.
        for depth in stride(from: 0, through: 3_000, by: 300) { watch.observe(depth: depth) }
        for depth in stride(from: 3_000, through: 0, by: -300) { watch.observe(depth: depth) }
        try await Self.settle(releases, atLeast: 2)
        #expect(releases.count.load(ordering: .relaxed) == 2)
    }

    @Test func backlogsThatDrainInQuickSuccessionAreReleasedAtMostOncePerInterval() async throws {
        let releases = Releases()
        // Long enough that a loaded machine cannot blur "at once" and "after the interval".
        let watch = BacklogMemoryRelease(threshold: 2_000, minimumInterval: .seconds(2)) { releases.count.add(1, ordering: .relaxed) }
        func backlog() {
            for depth in stride(from: 0, through: 5_000, by: 1_000) { watch.observe(depth: depth) }
            watch.observe(depth: 0)
        }
        backlog()
        try await Self.settle(releases, atLeast: 1)
        #expect(releases.count.load(ordering: .relaxed) == 1, "the first drain releases at once")
        // A busy producer: the buffer fills and drains over and over within the interval.
        for _ in 0..<10 { backlog() }
        #expect(releases.count.load(ordering: .relaxed) == 1, "none before the interval is up")
        try await Self.settle(releases, atLeast: 2, within: .seconds(10))
        try await Task.sleep(for: .milliseconds(300))
        #expect(releases.count.load(ordering: .relaxed) == 2, "the drains within one interval share one release, when it is up")
    }

    @Test func theDefaultTrimRuns() {
        // glibc's malloc_trim, looked up at run time: calling it must be harmless.
        BacklogMemoryRelease.trimHeap()
    }
}
