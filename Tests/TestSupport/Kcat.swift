import Foundation

/// Reads a topic back with kcat, an independent Kafka client, over PLAINTEXT.
public enum Kcat {
    /// kcat exited non-zero (missing, or it could not read): never an empty read.
    public struct Failed: Error, CustomStringConvertible {
        public let status: Int32
        public let stderr: String
        public var description: String { "kcat exited \(status): \(stderr.suffix(2000))" }
    }

    private static func run(_ arguments: [String]) async throws -> ChildProcess.Outcome {
        let outcome = try await ChildProcess.run("kcat", arguments, timeout: .seconds(120))
        guard outcome.status == 0 else { throw Failed(status: outcome.status, stderr: outcome.stderr) }
        return outcome
    }

    /// One line per message in kcat's `-f` `format`; the default is `partition|key|value|headers`.
    ///
    /// Reads from the beginning to the end of every partition, or stops after `count` messages.
    /// Pass no `count` where retries may have written duplicates: a count would stop short of the
    /// last messages by as many duplicates as came before them.
    public static func consume(bootstrap: String, topic: String, count: Int? = nil, format: String = "%p|%k|%s|%h\\n") async throws -> [String] {
        let limit = count.map { ["-c", String($0)] } ?? []
        let outcome = try await run(["-C", "-b", bootstrap, "-t", topic, "-o", "beginning"] + limit + ["-e", "-q", "-f", format])
        return outcome.stdoutText.split(separator: "\n").map(String.init)
    }

    /// `topic:partitions` for every topic the cluster's metadata lists.
    public static func metadataTopics(bootstrap: String) async throws -> [String] {
        let outcome = try await run(["-L", "-b", bootstrap, "-J"])
        guard let document = try JSONSerialization.jsonObject(with: outcome.stdout) as? [String: Any],
              let topics = document["topics"] as? [[String: Any]] else { return [] }
        return topics.compactMap { topic in
            guard let name = topic["topic"] as? String, let partitions = topic["partitions"] as? [Any] else { return nil }
            return "\(name):\(partitions.count)"
        }
    }
}
