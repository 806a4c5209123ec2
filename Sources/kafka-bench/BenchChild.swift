import Foundation

/// What one implementation's run measured, in its own process.
struct BenchOutcome {
    /// Wall time from the first timed message to the last report.
    var seconds: Double
    var delivered: Int
    /// CPU time of the producing thread during its loop; NaN when the loop is not one thread's.
    var loopCPUSeconds: Double
    /// From making the producer to the warm-up message's report (outside `seconds`).
    var startupSeconds: Double
}

/// A failed run or bad input, with its reason.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs a subcommand of this executable in a child process, so that each implementation's
/// peak memory and CPU time are its own, and returns the whitespace-separated numbers it printed
/// followed by its peak RSS (KiB) and CPU seconds, which it prints last.
enum BenchChild {
    static func run(_ arguments: [String]) throws -> [Double] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        if !FileManager.default.isExecutableFile(atPath: process.executableURL!.path) {
            process.executableURL = Bundle.main.executableURL
        }
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        let fields = text.split(whereSeparator: \.isWhitespace).map { Double($0) }
        guard process.terminationStatus == 0, !fields.isEmpty, fields.allSatisfy({ $0 != nil }) else {
            throw BenchError("the run \(arguments.joined(separator: " ")) failed: \(text)")
        }
        return fields.map { $0! }
    }

    /// Printed by the child after its own numbers: peak RSS in KiB and the process's CPU seconds.
    static func processUsage() -> String {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        return "\(peakRSSKiB()) \(cpu)"
    }

    /// The peak RSS of this process's own memory (`VmHWM`). Not `ru_maxrss`: Linux carries that
    /// over an `exec`, and Foundation's `Process` spawns the child from the parent's memory, so
    /// every child reported at least the parent's peak — the parent holds the mock cluster and
    /// its logs — and small differences between children vanished under that floor.
    static func peakRSSKiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kib = Int(line.split(whereSeparator: \.isWhitespace).dropFirst().first ?? "") else { return -1 }
        return kib
    }
}
