import Logging
@testable import MSKKafka

/// A librdkafka producer client made by hand, for the tests of one part a producer is made of.
enum TestClient {
    /// A producer client to `bootstrapServers` (to none when nil: it never connects) and the
    /// callback context it was made with, which logs only critical lines.
    static func producer(bootstrapServers: String? = nil) throws -> (RdKafkaClient, KafkaCallbackContext) {
        let counters = KafkaClientCounters(clientID: "test-client")
        var logger = Logger(label: "test.client")
        logger.logLevel = .critical
        let context = KafkaCallbackContext(refresher: nil, statistics: StatisticsHandler(counters: counters, logger: logger), logger: logger, counters: counters)
        let properties = bootstrapServers.map { [("bootstrap.servers", $0)] } ?? []
        return (try RdKafkaClient(.producer, properties: properties, context: context, statistics: false), context)
    }
}
