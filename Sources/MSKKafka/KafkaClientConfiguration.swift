/// What every client configuration has: a ``KafkaConnectionConfiguration``.
///
/// Its fields read and write through the client's configuration as if they were its own —
/// `configuration.tls = true` is `configuration.connection.tls = true` — so that code written
/// before the connection block was factored out keeps compiling.
@dynamicMemberLookup
public protocol KafkaClientConfiguration: Sendable {
    /// Where the client connects and how it authenticates.
    var connection: KafkaConnectionConfiguration { get set }
}

extension KafkaClientConfiguration {
    /// A field of ``connection``, e.g. `configuration.bootstrapServers`.
    public subscript<Value>(dynamicMember field: WritableKeyPath<KafkaConnectionConfiguration, Value>) -> Value {
        get { connection[keyPath: field] }
        set { connection[keyPath: field] = newValue }
    }
}

extension KafkaClientConfiguration {
    /// Moved to the connection block.
    @available(*, deprecated, renamed: "KafkaConnectionConfiguration.mskReconnectBackoff")
    public static var mskReconnectBackoff: (first: Duration, maximum: Duration) { KafkaConnectionConfiguration.mskReconnectBackoff }
}
