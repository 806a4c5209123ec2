extension String {
    /// The NUL-terminated text in an error buffer librdkafka filled.
    init(errorBuffer: [CChar]) {
        self = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
