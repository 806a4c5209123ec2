import Foundation
import Testing

/// A short `kafka-soak local` run, as a user would start it: broker outages longer than the
/// message timeout, and every message accounted for.
@Suite struct SoakSmokeTests {
    static var binary: URL? {
        let directory = Bundle.main.executableURL?.deletingLastPathComponent() ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidate = directory.appendingPathComponent("kafka-soak")
        return FileManager.default.isExecutableFile(atPath: candidate.path) ? candidate : nil
    }

    @Test(.enabled(if: binary != nil || ProcessInfo.processInfo.environment["CI"] != nil, "build the package first (swift build)"), .timeLimit(.minutes(3)))
    func shortSoakWithOutagesLosesNothing() throws {
        let process = Process()
        process.executableURL = try #require(Self.binary)
        process.arguments = ["local", "--duration", "8", "--rate", "500", "--outage-every", "3", "--outage-length", "2.5", "--progress-every", "100"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let summary = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(String(decoding: data, as: UTF8.self))")
        #expect(process.terminationStatus == 0, "\(summary)")
        #expect(summary["missing"] as? Int == 0)
        #expect(summary["corrupted"] as? Int == 0)
        #expect(summary["failed"] as? Int == 0)
        #expect((summary["sent"] as? Int ?? 0) > 3000)
        #expect(summary["delivered"] as? Int == summary["sent"] as? Int)
        #expect((summary["broker_outages"] as? Int ?? 0) >= 1)
    }
}
