/// Where a client connects and how it proves who it is: what ``KafkaProducerConfiguration`` and
/// ``KafkaConsumerConfiguration`` share.
///
/// Every field maps to a librdkafka property (named in its documentation). Values librdkafka
/// refuses fail at client creation with ``KafkaError/invalidConfiguration(property:reason:)``,
/// librdkafka's own text and the property's name.
public struct KafkaConnectionConfiguration: Sendable {
    /// `bootstrap.servers`, e.g. `["b-1.msk.example:9098"]`.
    public var bootstrapServers: [String]
    /// How to authenticate (and with it `security.protocol` and `sasl.*`).
    public var authentication: KafkaAuthentication
    /// Use TLS (`SASL_SSL` / `SSL`). MSK's IAM listener (port 9098) requires it.
    public var tls: Bool
    /// `ssl.ca.location`, when the system store is not the one to trust.
    public var caLocation: String?
    /// `client.id`; also the `client_id` dimension of the client's metrics.
    public var clientID: String
    /// `statistics.interval.ms`; `nil` disables statistics.
    public var statisticsInterval: Duration?
    /// `reconnect.backoff.ms` and `reconnect.backoff.max.ms`: how long librdkafka waits before
    /// connecting to a broker again, doubling from the first to the second, with its own jitter.
    /// librdkafka's defaults (100 ms, 10 s) unless set; the `.msk` presets use
    /// ``mskReconnectBackoff``.
    public var reconnectBackoff: (first: Duration, maximum: Duration)?
    /// Off by default. On, the client asks STS once at start who the credentials it signs with
    /// belong to (`GetCallerIdentity`, see ``OAuthBearerTokenSource/callerIdentity``) and logs
    /// the principal's ARN at `info` — the IAM principal MSK authorizes, so a missing
    /// permission can be matched to the right role. A failure is logged as a `warning` and
    /// changes nothing else; no secret is ever logged. Without MSK IAM authentication it only
    /// logs that there is nothing to ask.
    public var logCallerIdentity: Bool
    /// Whether the client traces its messages (swift-distributed-tracing): by default with the
    /// tracer bootstrapped when the client is made, if any. See ``KafkaTracing``.
    public var tracing: KafkaTracing = .bootstrapped

    /// What AWS advises against MSK's limit on new connections per broker
    /// (`reconnect.backoff.ms` of 1,000 or more): 1 s doubling to 10 s.
    public static let mskReconnectBackoff: (first: Duration, maximum: Duration) = (.seconds(1), .seconds(10))

    /// Creates a connection; everything but the bootstrap servers has a default (no
    /// authentication, no TLS: a local broker).
    public init(
        bootstrapServers: [String],
        authentication: KafkaAuthentication = .none,
        tls: Bool = false,
        caLocation: String? = nil,
        clientID: String = "swift-msk-kafka",
        statisticsInterval: Duration? = nil,
        reconnectBackoff: (first: Duration, maximum: Duration)? = nil,
        logCallerIdentity: Bool = false
    ) {
        self.bootstrapServers = bootstrapServers
        self.authentication = authentication
        self.tls = tls
        self.caLocation = caLocation
        self.clientID = clientID
        self.statisticsInterval = statisticsInterval
        self.reconnectBackoff = reconnectBackoff
        self.logCallerIdentity = logCallerIdentity
    }

    /// The librdkafka properties of the connection, applied before the client's own.
    var librdkafkaProperties: [(String, String)] {
        var properties: [(String, String)] = [
            ("bootstrap.servers", bootstrapServers.joined(separator: ",")),
            ("client.id", clientID),
        ]
        if let statisticsInterval { properties.append(("statistics.interval.ms", String(statisticsInterval.milliseconds))) }
        if let reconnectBackoff {
            properties.append(("reconnect.backoff.ms", String(reconnectBackoff.first.milliseconds)))
            properties.append(("reconnect.backoff.max.ms", String(reconnectBackoff.maximum.milliseconds)))
        }
        if let caLocation { properties.append(("ssl.ca.location", caLocation)) }
        properties.append(contentsOf: authentication.librdkafkaProperties(tls: tls))
        return properties
    }
}

extension KafkaConnectionConfiguration {
    /// The common MSK case: TLS + IAM with credentials from the AWS default chain, cached and
    /// refreshed in the background (a `RefreshingCredentialCache` of its own), and reconnects
    /// spaced as AWS advises (``mskReconnectBackoff``), so that a fleet restarting at once does
    /// not storm the brokers' new-connection limit.
    public static func msk(bootstrapServers: [String], region: String) throws -> KafkaConnectionConfiguration {
        KafkaConnectionConfiguration(bootstrapServers: bootstrapServers, authentication: try .mskDefaultChain(region: region), tls: true,
                                     reconnectBackoff: mskReconnectBackoff)
    }

    /// ``msk(bootstrapServers:region:)`` with the region read from MSK's host names
    /// (``MSKBootstrapAddress``), e.g. `eu-west-1` from
    /// `b-1.orders.a1b2c3.c2.kafka.eu-west-1.amazonaws.com:9098`.
    /// - Throws: ``MSKBootstrapAddressError`` when an address is not MSK's or the addresses name
    ///   different regions: pass `region:` then.
    public static func msk(bootstrapServers: [String]) throws -> KafkaConnectionConfiguration {
        try msk(bootstrapServers: bootstrapServers, region: MSKBootstrapAddress.region(of: bootstrapServers))
    }
}

extension Duration {
    var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
