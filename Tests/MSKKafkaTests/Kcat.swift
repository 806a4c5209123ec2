import CRdKafka
import Foundation

/// Reads a topic back with kcat, an independent Kafka client: one line per message,
/// `partition|key|value|headers`.
enum Kcat {
    static func consume(bootstrap: String, topic: String, count: Int) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-c", String(count), "-e", "-q", "-f", "%p|%k|%s|%h\\n"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
