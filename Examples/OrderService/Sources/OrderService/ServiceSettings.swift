import Foundation
import Logging
import MSKKafka

/// What the service reads from its environment — as a service on AWS is configured: the
/// cluster's bootstrap servers, and credentials from the AWS default chain (environment, web
/// identity, profile, ECS/EKS container endpoint, EC2 instance profile), nothing in a file.
struct ServiceSettings {
    /// `MSK_BOOTSTRAP_SERVERS`, comma-separated.
    var bootstrapServers: [String]
    /// `AWS_REGION`: needed only where the servers are not MSK's own names (msk-local), which
    /// carry the region.
    var region: String?
    /// `MSK_CA_FILE`: a certificate authority to trust other than the system's (msk-local's).
    var caFile: String?
    /// `ORDERS_TOPIC` (default `orders`).
    var topic: String
    /// `HOST`, `PORT` (default 127.0.0.1:8080).
    var host: String
    var port: Int
    /// `LOG_LEVEL` (default `info`).
    var logLevel: Logger.Level
    /// `STATISTICS_INTERVAL_MS`: librdkafka's statistics, the source of the per-broker gauges
    /// on /metrics (default 5,000; 0 turns them off).
    var statisticsIntervalMs: Int

    init(environment: [String: String]) throws {
        guard let servers = environment["MSK_BOOTSTRAP_SERVERS"], !servers.isEmpty else {
            throw SettingsError(message: "MSK_BOOTSTRAP_SERVERS is not set (comma-separated host:port)")
        }
        bootstrapServers = servers.split(separator: ",").map { String($0) }
        region = environment["AWS_REGION"].flatMap { $0.isEmpty ? nil : $0 }
        caFile = environment["MSK_CA_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        topic = environment["ORDERS_TOPIC"] ?? "orders"
        host = environment["HOST"] ?? "127.0.0.1"
        port = Int(environment["PORT"] ?? "") ?? 8080
        logLevel = environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        statisticsIntervalMs = Int(environment["STATISTICS_INTERVAL_MS"] ?? "") ?? 5_000
    }

    /// The `.msk` preset — TLS, IAM with the default credential chain, MSK's reconnect backoff —
    /// with the region from the servers' names, or from `AWS_REGION` where they carry none.
    func producerConfiguration() throws -> KafkaProducerConfiguration {
        var configuration = if let region {
            try KafkaProducerConfiguration.msk(bootstrapServers: bootstrapServers, region: region)
        } else {
            try KafkaProducerConfiguration.msk(bootstrapServers: bootstrapServers)
        }
        configuration.clientID = "order-service"
        configuration.caLocation = caFile
        if statisticsIntervalMs > 0 { configuration.statisticsInterval = .milliseconds(statisticsIntervalMs) }
        return configuration
    }
}

struct SettingsError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
