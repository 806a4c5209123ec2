import Foundation
import TestSupport
import Testing

/// A short `kafka-soak local` run, as a user would start it: broker outages longer than the
/// message timeout, and every message accounted for.
@Suite struct SoakSmokeTests {
    static var binary: String? { ChildProcess.packageExecutable("kafka-soak") }

    @Test(.enabled(if: binary != nil || ProcessInfo.processInfo.environment["CI"] != nil, "build the package first (swift build)"), .timeLimit(.minutes(3)))
    func shortSoakWithOutagesLosesNothing() async throws {
        let outcome = try await ChildProcess.run(try #require(Self.binary), ["local", "--duration", "8", "--rate", "500", "--outage-every", "3", "--outage-length", "2.5", "--progress-every", "100"])
        let data = outcome.stdout
        let summary = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(String(decoding: data, as: UTF8.self))")
        #expect(outcome.status == 0, "\(summary)")
        #expect(summary["missing"] as? Int == 0)
        #expect(summary["corrupted"] as? Int == 0)
        #expect(summary["failed"] as? Int == 0)
        #expect((summary["sent"] as? Int ?? 0) > 0)  // how many is the machine's business; that all arrived is ours
        #expect(summary["delivered"] as? Int == summary["sent"] as? Int)
        #expect((summary["broker_outages"] as? Int ?? 0) >= 1)
    }

    /// A schedule that would outgrow the mock's per-partition retention is refused before
    /// anything starts, with the arithmetic and the partitions it would need.
    @Test(.enabled(if: binary != nil || ProcessInfo.processInfo.environment["CI"] != nil, "build the package first (swift build)"), .timeLimit(.minutes(1)))
    func driveRefusesALayoutThatWouldOutgrowTheMocksRetention() async throws {
        let outcome = try await ChildProcess.run(try #require(Self.binary), ["drive", "--partitions", "6", "--duration", "3000", "--rate", "500", "--out", "/nonexistent"])
        #expect(outcome.status != 0)
        let text = outcome.stderr
        #expect(text.contains("71.5 MiB in the fullest partition") && text.contains("at least 144 partitions"), "\(text)")
    }

    /// A group larger than the topic's partitions would leave members idle: refused up front.
    @Test(.enabled(if: binary != nil || ProcessInfo.processInfo.environment["CI"] != nil, "build the package first (swift build)"), .timeLimit(.minutes(1)))
    func driveRefusesAGroupLargerThanThePartitions() async throws {
        let outcome = try await ChildProcess.run(try #require(Self.binary), ["drive", "--partitions", "6", "--consumers", "7", "--duration", "10", "--out", "/nonexistent"])
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains("--consumers 7: a group of 1 to 6 members"), "\(outcome.stderr)")
    }
}
