/// The codec batches are compressed with (`compression.type`).
///
/// The raw value is the librdkafka property value. Debian's librdkafka 2.0.2 is built with
/// all four codecs.
public enum KafkaCompression: String, Sendable, Hashable, CaseIterable {
    /// Uncompressed.
    case none
    /// gzip: the smallest batches, the most CPU.
    case gzip
    /// Snappy.
    case snappy
    /// LZ4: fast, a common choice for throughput.
    case lz4
    /// Zstandard: close to gzip's ratio at a fraction of its CPU (brokers 2.1 and later).
    case zstd
}
