import ArgumentParser

/// `kafka-soak`: long-running producer/consumer checks that nothing is lost or corrupted.
@main
struct KafkaSoak: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka-soak",
        abstract: "Soak-test swift-msk-kafka: produce and consume sequenced, checksummed messages and account for every one.",
        subcommands: [ProduceCommand.self, ConsumeCommand.self, DriveCommand.self, LocalSoak.self]
    )
}
