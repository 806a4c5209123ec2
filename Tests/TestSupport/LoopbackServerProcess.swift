import AWSAuth
import Foundation

/// A server the test starts as a child process on 127.0.0.1: it prints its port on its first
/// line of stdout and exits when its stdin closes (so it never outlives the test run).
public final class LoopbackServerProcess: @unchecked Sendable {
    // @unchecked: `stdin` (a Pipe, not Sendable) is set once in init and only closed afterwards,
    // which FileHandle allows from any thread.
    private let process: SpawnedProcess
    private let stdin: Pipe
    /// The port the server listens on.
    public let port: Int

    /// `http://127.0.0.1:<port>`
    public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// Starts `executable arguments...` and waits (up to 30 s) for its port.
    public init(executable: String, arguments: [String]) throws {
        stdin = Pipe()
        let stdout = Pipe()
        // SpawnedProcess, not Foundation's Process: see there why.
        process = try SpawnedProcess.spawn(executable, arguments, stdin: stdin.fileHandleForReading.fileDescriptor,
                                           stdout: stdout.fileHandleForWriting.fileDescriptor, stderr: STDERR_FILENO)
        try stdin.fileHandleForReading.close()
        try stdout.fileHandleForWriting.close()
        var line = Data()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let byte = stdout.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespaces)) else {
            process.terminate()
            throw PythonReference.Failure(description: "\(executable) \(arguments) did not print a port (got '\(String(decoding: line, as: UTF8.self))')")
        }
        self.port = port
    }

    /// Starts the server from async code without blocking one of Swift concurrency's few
    /// cooperative threads while the child process boots (the port read is a blocking read).
    public static func start(executable: String, arguments: [String]) async throws -> LoopbackServerProcess {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try LoopbackServerProcess(executable: executable, arguments: arguments) })
            }
        }
    }

    /// Stops the server.
    public func stop() {
        try? stdin.fileHandleForWriting.close()
        // SIGTERM, then SIGKILL after 5 s: a child that outlived SIGTERM once left
        // `waitUntilExit` spinning for good and the whole test run hung (clean-clone CI).
        process.terminate()
        let deadline = ContinuousClock.now + .seconds(5)
        while process.isRunning, ContinuousClock.now < deadline { usleep(20_000) }
        process.terminate(SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }
}
