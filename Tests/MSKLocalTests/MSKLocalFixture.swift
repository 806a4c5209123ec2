import AWSAuth
import Foundation
import Logging
import MSKKafka
import MSKLocal

/// Shared set-up for tests against a running msk-local.
enum MSKLocalFixture {
    static let quiet: Logger = {
        var logger = Logger(label: "msk-local-tests")
        // MSK_LOCAL_TEST_LOG=debug shows librdkafka's and the gateway's logs when a test fails.
        logger.logLevel = ProcessInfo.processInfo.environment["MSK_LOCAL_TEST_LOG"].flatMap { Logger.Level(rawValue: $0) } ?? .critical
        return logger
    }()

    static func start(brokers: Int = 2, credentialLifetime: Int? = 30, topics: [(String, Int)] = [],
                      minimumSessionLifetime: TimeInterval = 2) async throws -> MSKLocalServer {
        var configuration = MSKLocalConfiguration()
        configuration.minimumSessionLifetime = minimumSessionLifetime
        configuration.brokers = brokers
        configuration.maximumCredentialLifetime = credentialLifetime
        configuration.topics = topics.map { (name: $0.0, partitions: $0.1) }
        configuration.logger = quiet
        return try await MSKLocalServer.start(configuration)
    }

    /// Credentials from msk-local's STS through AssumeRole as role session `sessionName`, cached
    /// and refreshed.
    static func assumeRoleCache(_ local: MSKLocalServer, sessionName: String = "e2e") throws -> RefreshingCredentialCache {
        let source = StaticCredentialProvider(AWSCredentials(accessKeyID: local.endpoints.accessKeyID, secretAccessKey: local.endpoints.secretAccessKey))
        let provider = try STSAssumeRoleCredentialProvider(
            roleARN: local.endpoints.roleARNs[0], roleSessionName: sessionName, sourceCredentials: source,
            region: local.endpoints.region, endpoint: try MSKLocalFixture.url(local.endpoints.stsURL)
        )
        return try RefreshingCredentialCache(provider: provider, logger: quiet)
    }

    /// A connection to `local`'s gateway with MSK IAM tokens of `tokenLifetime` seconds signed
    /// with `credentials`.
    static func connection(_ local: MSKLocalServer, credentials: RefreshingCredentialCache, tokenLifetime: Int = 900) throws -> KafkaConnectionConfiguration {
        KafkaConnectionConfiguration(bootstrapServers: [local.endpoints.bootstrapServers],
                                     authentication: try .mskIAM(region: local.endpoints.region, credentials: credentials, expiresIn: tokenLifetime))
    }

    static func producerConfiguration(_ local: MSKLocalServer, credentials: RefreshingCredentialCache, tokenLifetime: Int = 10,
                                      messageTimeout: Duration = .seconds(30), delivery: KafkaProducerConfiguration.DeliveryPolicy = .init()) throws -> KafkaProducerConfiguration {
        var connection = try Self.connection(local, credentials: credentials, tokenLifetime: tokenLifetime)
        connection.statisticsInterval = .seconds(1)
        return KafkaProducerConfiguration(connection: connection, messageTimeout: messageTimeout, delivery: delivery)
    }

    /// `string` as a URL; a test failure (not a crash) if it is none.
    static func url(_ string: String) throws -> URL {
        struct NotAURL: Error { let string: String }
        guard let url = URL(string: string) else { throw NotAURL(string: string) }
        return url
    }

    static func controlPOST(_ local: MSKLocalServer, _ pathAndQuery: String) async throws -> Int {
        let request = HTTPRequest(method: "POST", url: try MSKLocalFixture.url(local.endpoints.controlURL + "/" + pathAndQuery))
        return try await URLSessionHTTPTransport().send(request).status
    }
}
