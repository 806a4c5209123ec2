import AWSAuth
import Foundation

/// Runs a program to completion and collects what it printed — the one way the tests start
/// short-lived programs (Python references, kcat, the package's own executables).
public enum ChildProcess {
    /// What a finished program left behind.
    public struct Outcome: Sendable {
        /// Its exit status.
        public var status: Int32
        /// Its standard output.
        public var stdout: Data
        /// Its standard error, as text.
        public var stderr: String
        /// Standard output as text.
        public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// A program that did not finish in time (it was killed).
    public struct TimedOut: Error, CustomStringConvertible {
        public let command: String
        public let limit: Duration
        public var description: String { "\(command) did not finish within \(limit) and was killed" }
    }

    /// Runs `executable` (a path, or a name looked up on PATH) with `arguments`, feeding `input`.
    /// stderr is drained on its own thread so that a chatty program never blocks on a full pipe.
    /// A program still running after `timeout` is killed and ``TimedOut`` thrown: a hung child
    /// fails its test instead of hanging the suite.
    public static func run(_ executable: String, _ arguments: [String], input: Data? = nil, environment: [String: String]? = nil,
                           timeout: Duration = .seconds(180)) throws -> Outcome {
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        // SpawnedProcess, not Foundation's Process: see there why.
        let process = try SpawnedProcess.spawn(executable, arguments, environment: environment,
                                               stdin: input == nil ? nil : stdin.fileHandleForReading.fileDescriptor,
                                               stdout: stdout.fileHandleForWriting.fileDescriptor, stderr: stderr.fileHandleForWriting.fileDescriptor)
        // The child holds its ends now; ours must go, or the reads below never see the end.
        try stdin.fileHandleForReading.close()
        try stdout.fileHandleForWriting.close()
        try stderr.fileHandleForWriting.close()
        let killed = DispatchSemaphore(value: 0)
        let watchdog = DispatchWorkItem {
            guard process.isRunning else { return }
            process.terminate(SIGKILL)
            killed.signal()
        }
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: watchdog)
        defer { watchdog.cancel() }
        let errors = DispatchGroup()
        nonisolated(unsafe) var errorData = Data()  // written by the group's one task, read after wait()
        DispatchQueue.global().async(group: errors) { errorData = stderr.fileHandleForReading.readDataToEndOfFile() }
        if let input {
            stdin.fileHandleForWriting.write(input)
        }
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        errors.wait()
        process.waitUntilExit()
        if killed.wait(timeout: .now()) == .success {
            throw TimedOut(command: ([executable] + arguments).joined(separator: " ").prefix(200).description, limit: timeout)
        }
        return Outcome(status: process.exitStatus ?? -1, stdout: output, stderr: String(decoding: errorData, as: UTF8.self))
    }

    /// ``run(_:_:input:environment:)`` on a Dispatch thread: async tests must not block one of
    /// the few cooperative threads (on a 2-core machine, two blocked threads stall every task of
    /// the test process, token refreshers included).
    public static func run(_ executable: String, _ arguments: [String], input: Data? = nil, environment: [String: String]? = nil,
                           timeout: Duration = .seconds(180)) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try run(executable, arguments, input: input, environment: environment, timeout: timeout) as Outcome })
            }
        }
    }

    /// The first line a child writes to `pipe`, without its newline (everything, if it ends
    /// first): read on a Dispatch thread, since the read blocks.
    public static func firstLine(of pipe: Pipe) async -> Data {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var data = Data()
                while !data.contains(0x0A) {
                    let chunk = pipe.fileHandleForReading.availableData
                    if chunk.isEmpty { break }
                    data.append(chunk)
                }
                continuation.resume(returning: data.prefix { $0 != 0x0A })
            }
        }
    }

    /// The package's own executable `name`, built next to the test bundle, if it is there.
    public static func packageExecutable(_ name: String) -> String? {
        let directory = Bundle.main.executableURL?.deletingLastPathComponent() ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidate = directory.appendingPathComponent(name).path
        return FileManager.default.isExecutableFile(atPath: candidate) ? candidate : nil
    }
}
