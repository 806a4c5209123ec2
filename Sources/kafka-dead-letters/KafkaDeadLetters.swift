import ArgumentParser
import Foundation
import KafkaCommandLine
import Logging
import MSKKafka

/// `kafka-dead-letters`: look at and replay a producer's dead-letter file
/// (``KafkaProducerConfiguration/DeliveryPolicy/deadLetterPath``).
@main
struct KafkaDeadLetters: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka-dead-letters",
        abstract: "List or replay the messages a swift-msk-kafka producer dead-lettered.",
        subcommands: [List.self, Replay.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One line per dead-lettered message: topic, partition, sizes, attempts, error.")

        @Argument(help: "The dead-letter file.")
        var path: String

        func run() throws {
            for (index, entry) in try DeadLetterFile.read(path: path).enumerated() {
                let message = entry.message
                print("#\(index + 1) \(message.topic)[\(message.partition.map(String.init) ?? "any")] key \(message.key?.count ?? 0) B, value \(message.value.count) B, \(message.headers.count) headers, \(entry.attempts) attempts: \(entry.error)")
            }
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Produce every dead-lettered message again, in file order. On full success the file is renamed to <path>.replayed-<time>; otherwise it is left as it was and the messages that failed again go to <path>.remaining."
        )

        @Argument(help: "The dead-letter file.")
        var path: String

        @OptionGroup var connection: ConnectionOptions

        @Option(help: "Send everything to this topic instead of each message's own.")
        var topic: String?

        @Option(help: "librdkafka message.timeout.ms, in seconds.")
        var messageTimeout: Double = 30

        func run() async throws {
            var logger = Logger(label: "kafka-dead-letters")
            logger.logLevel = .error
            let entries = try DeadLetterFile.read(path: path)
            let (_, kafka) = try connection.connection(clientID: "kafka-dead-letters", logger: logger)
            let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(
                connection: kafka, messageTimeout: .milliseconds(Int64(messageTimeout * 1000)), delivery: .init(maxRetries: 3)
            ), logger: logger)
            let remaining = DeadLetterFile(path: path + ".remaining")
            var replayed = 0, failed = 0
            for entry in entries {
                var message = entry.message
                if let topic {
                    message.topic = topic
                    message.partition = nil
                }
                do {
                    _ = try await producer.send(message)
                    replayed += 1
                } catch {
                    failed += 1
                    try remaining.append(message, attempts: entry.attempts + 1, error: "\(error)")
                }
            }
            await producer.shutdown()
            emitJSONLine(["replayed": replayed, "failed": failed])
            guard failed == 0 else {
                emitText("\(failed) of \(entries.count) failed again; they are in \(path).remaining and \(path) is unchanged")
                throw ExitCode(1)
            }
            let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
            try FileManager.default.moveItem(atPath: path, toPath: "\(path).replayed-\(stamp)")
        }
    }
}
