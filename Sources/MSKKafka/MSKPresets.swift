import AWSAuth

extension KafkaProducerConfiguration {
    /// The common MSK case: TLS + IAM with credentials from the AWS default chain, cached and
    /// refreshed in the background, and reconnects spaced as AWS advises
    /// (``mskReconnectBackoff``), so that a fleet restarting at once does not storm the brokers'
    /// new-connection limit.
    ///
    /// Idempotence stays on (the default): the producer's role then needs
    /// `kafka-cluster:WriteDataIdempotently` on the cluster (see ``idempotence``).
    public static func msk(bootstrapServers: [String], region: String) throws -> KafkaProducerConfiguration {
        var configuration = KafkaProducerConfiguration(bootstrapServers: bootstrapServers, authentication: try .mskDefaultChain(region: region), tls: true)
        configuration.reconnectBackoff = mskReconnectBackoff
        return configuration
    }

    /// ``msk(bootstrapServers:region:)`` with the region read from MSK's host names
    /// (``MSKBootstrapAddress``), e.g. `eu-west-1` from
    /// `b-1.orders.a1b2c3.c2.kafka.eu-west-1.amazonaws.com:9098`.
    /// - Throws: ``MSKBootstrapAddressError`` when an address is not MSK's or the addresses name
    ///   different regions: pass `region:` then.
    public static func msk(bootstrapServers: [String]) throws -> KafkaProducerConfiguration {
        try msk(bootstrapServers: bootstrapServers, region: MSKBootstrapAddress.region(of: bootstrapServers))
    }
}

extension KafkaConsumerConfiguration {
    /// The consumer's MSK preset, as the producer's: TLS + IAM with credentials from the AWS
    /// default chain behind a `RefreshingCredentialCache`, and ``mskReconnectBackoff``.
    ///
    /// Its role needs, besides `kafka-cluster:Connect`, `DescribeTopic` and `ReadData` on the
    /// topics, and `DescribeGroup` and `AlterGroup` on the group.
    public static func msk(bootstrapServers: [String], groupID: String, region: String) throws -> KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: bootstrapServers, groupID: groupID, authentication: try .mskDefaultChain(region: region), tls: true)
        configuration.reconnectBackoff = mskReconnectBackoff
        return configuration
    }

    /// ``msk(bootstrapServers:groupID:region:)`` with the region read from MSK's host names
    /// (``MSKBootstrapAddress``).
    /// - Throws: ``MSKBootstrapAddressError`` when an address is not MSK's or the addresses name
    ///   different regions: pass `region:` then.
    public static func msk(bootstrapServers: [String], groupID: String) throws -> KafkaConsumerConfiguration {
        try msk(bootstrapServers: bootstrapServers, groupID: groupID, region: MSKBootstrapAddress.region(of: bootstrapServers))
    }
}

extension KafkaAuthentication {
    /// MSK IAM with the default chain's credentials behind a cache of their own.
    static func mskDefaultChain(region: String) throws -> KafkaAuthentication {
        let cache = try RefreshingCredentialCache(provider: DefaultCredentialChain.make(region: region))
        return try .mskIAM(region: region, credentials: cache)
    }
}
