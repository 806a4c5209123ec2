import Foundation
import MSKKafka
import MSKKafkaTesting
import MSKLocal
import Testing
import TestSupport

/// The `kafka-dead-letters` tool against the mock cluster: replays a dead-letter file exactly,
/// keeps what fails again, and refuses a corrupt file with the line number.
@Suite(.timeLimit(.minutes(2)))
struct DeadLetterReplayTests {
    static var binary: String? { ChildProcess.packageExecutable("kafka-dead-letters") }

    static func deadLetterFile(_ messages: [KafkaProducerMessage]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dlq-\(UUID().uuidString).jsonl").path
        let file = DeadLetterFile(path: path)
        for message in messages { try file.append(message, attempts: 11, error: "_MSG_TIMED_OUT: Local: Message timed out") }
        return path
    }

    @Test(.enabled(if: binary != nil || ProcessInfo.processInfo.environment["CI"] != nil, "build the package first"))
    func replaysEveryMessageExactlyThenSetsTheFileAside() async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("replayed")
        let messages = (0..<5).map { KafkaProducerMessage(topic: "replayed", partition: 0, key: "k\($0)", value: "value \($0) ✓", headers: [("h", "\($0)")]) }
        let path = try Self.deadLetterFile(messages)
        let outcome = try await ChildProcess.run(try #require(Self.binary), ["replay", path, "--bootstrap-servers", cluster.bootstrapServers])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdoutText.contains("\"replayed\":5"))
        #expect(!FileManager.default.fileExists(atPath: path), "the replayed file is renamed")
        let directory = (path as NSString).deletingLastPathComponent, name = (path as NSString).lastPathComponent
        let setAside = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix(name + ".replayed-") }
        #expect(setAside.count == 1, "\(setAside)")
        for file in setAside {
            #expect(try DeadLetterFile.read(path: directory + "/" + file).count == 5, "set aside whole")
            try? FileManager.default.removeItem(atPath: directory + "/" + file)
        }
        let lines = try await Kcat.consume(bootstrap: cluster.bootstrapServers, topic: "replayed", count: 5)
        #expect(lines == (0..<5).map { "0|k\($0)|value \($0) ✓|h=\($0)" })
    }

    @Test(.enabled(if: binary != nil || ProcessInfo.processInfo.environment["CI"] != nil, "build the package first"))
    func replayToAnotherTopic() async throws {
        let cluster = try MockKafkaCluster()
        cluster.createTopic("elsewhere")
        let path = try Self.deadLetterFile([KafkaProducerMessage(topic: "gone", partition: 0, key: "k", value: "moved")])
        let outcome = try await ChildProcess.run(try #require(Self.binary), ["replay", path, "--bootstrap-servers", cluster.bootstrapServers, "--topic", "elsewhere"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(try await Kcat.consume(bootstrap: cluster.bootstrapServers, topic: "elsewhere", count: 1) == ["0|k|moved|"])
        let directory = (path as NSString).deletingLastPathComponent, name = (path as NSString).lastPathComponent
        for file in try FileManager.default.contentsOfDirectory(atPath: directory) where file.hasPrefix(name) {
            try? FileManager.default.removeItem(atPath: directory + "/" + file)
        }
    }

    @Test(.enabled(if: binary != nil || ProcessInfo.processInfo.environment["CI"] != nil, "build the package first"))
    func whatFailsAgainIsKeptAndTheFileLeftAlone() async throws {
        let cluster = try await LocalKafkaCluster.start()
        cluster.createTopic("unreachable")
        try cluster.setBroker(1, up: false)
        let path = try Self.deadLetterFile([KafkaProducerMessage(topic: "unreachable", partition: 0, value: "still here")])
        defer { try? FileManager.default.removeItem(atPath: path); try? FileManager.default.removeItem(atPath: path + ".remaining") }
        let outcome = try await ChildProcess.run(try #require(Self.binary), ["replay", path, "--bootstrap-servers", cluster.bootstrapServers, "--message-timeout", "1"])
        #expect(outcome.status != 0)
        #expect(FileManager.default.fileExists(atPath: path))
        let remaining = try DeadLetterFile.read(path: path + ".remaining")
        #expect(remaining.map { String(decoding: $0.message.value, as: UTF8.self) } == ["still here"])
        #expect(remaining.first?.attempts == 12)
    }

    @Test(.enabled(if: binary != nil || ProcessInfo.processInfo.environment["CI"] != nil, "build the package first"))
    func aCorruptLineIsNamedNotSkipped() async throws {
        let path = try Self.deadLetterFile([KafkaProducerMessage(topic: "t", value: "ok")])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"topic":"t","partition":null,"value":"%%%","headers":[],"attempts":1,"error":"x","failed_at":"2026-11-22T10:00:00Z"}"#.utf8 + [0x0A]))
        try handle.close()
        #expect(throws: DeadLetterFileError.self) { try DeadLetterFile.read(path: path) }
        let outcome = try await ChildProcess.run(try #require(Self.binary), ["list", path])
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains(":2: value is not base64"), "\(outcome.stderr)")
    }
}
