/// Where a consumer starts reading a partition that has no committed offset, or whose
/// committed offset is no longer in the log (`auto.offset.reset`).
///
/// The raw value is the librdkafka property value.
public enum KafkaOffsetReset: String, Sendable, Hashable, CaseIterable {
    /// The oldest message still in the log.
    case earliest
    /// Only messages produced from now on.
    case latest
}
