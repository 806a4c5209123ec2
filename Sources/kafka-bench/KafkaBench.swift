import ArgumentParser

/// `kafka-bench`: side-by-side measurements of this library against its references.
@main
struct KafkaBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka-bench",
        abstract: "Benchmarks for swift-msk-kafka, each measured side by side with its reference in one run.",
        subcommands: [TokenBenchmark.self, ProducerBenchmark.self, LatencyBenchmark.self]
    )
}
