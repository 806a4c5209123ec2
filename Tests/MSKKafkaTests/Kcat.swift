import CRdKafka
import Foundation
import TestSupport

/// Reads a topic back with kcat, an independent Kafka client: one line per message,
/// `partition|key|value|headers`.
enum Kcat {
    static func consume(bootstrap: String, topic: String, count: Int) throws -> [String] {
        let outcome = try ChildProcess.run("kcat", ["-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-c", String(count), "-e", "-q", "-f", "%p|%k|%s|%h\\n"])
        return outcome.stdoutText.split(separator: "\n").map(String.init)
    }
}
