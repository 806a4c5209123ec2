import Foundation
import Synchronization

/// A child process of the soak driver: its stdout JSON lines are handed to `onLine` as they
/// arrive, its stderr is passed through with a prefix. Reading happens on threads of its own,
/// never on the cooperative pool.
final class ChildRun: Sendable {
    private let process: Process
    private let name: String
    private let finished = Mutex<Int32?>(nil)

    init(name: String, executable: URL, arguments: [String], environment: [String: String], onLine: @escaping @Sendable (String) -> Void) throws {
        self.name = name
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        self.process = process
        try process.run()
        Thread.detachNewThread {
            Self.forEachLine(stdout.fileHandleForReading, onLine)
        }
        Thread.detachNewThread {
            Self.forEachLine(stderr.fileHandleForReading) { line in
                FileHandle.standardError.write(Data("[\(name)] \(line)\n".utf8))
            }
        }
    }

    /// Waits for the process to exit (or kills it after `timeout`); returns its exit status.
    func wait(timeout: Duration) async -> Int32 {
        let process = self.process
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let deadline = Date().addingTimeInterval(Double(timeout.components.seconds))
                while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
                if process.isRunning {
                    process.terminate()
                    Thread.sleep(forTimeInterval: 2)
                    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                }
                process.waitUntilExit()
                continuation.resume(returning: process.terminationStatus)
            }
        }
    }

    private static func forEachLine(_ handle: FileHandle, _ body: (String) -> Void) {
        var pending = Data()
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            pending.append(chunk)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                body(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                pending.removeSubrange(pending.startIndex...newline)
            }
        }
        if !pending.isEmpty { body(String(decoding: pending, as: UTF8.self)) }
    }
}
