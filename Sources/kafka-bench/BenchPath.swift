/// One way of producing that `kafka-bench` measures: a C reference or a public path of
/// ``KafkaProducer``. The raw value is what `--only` and `--paths` take; the label is what the
/// output prints (scripts look for these labels).
enum BenchPath: String, CaseIterable, Sendable {
    /// Each message names its topic and librdkafka copies its value, as in librdkafka's examples.
    case c
    /// To one topic handle made up front (`rd_kafka_produce`), as the Swift producer does.
    case cHandle = "c-handle"
    /// As `c`, but librdkafka points to the one payload buffer instead of copying it.
    case cNoCopy = "c-nocopy"
    /// As `c`, each message with one of ``keyCount`` keys: the reference for the keyed paths.
    case cKeyed = "c-keyed"
    /// `enqueue(_:)`, a report per message on the events stream.
    case swift
    /// `enqueue(_:)` with `reportsDeliveries` off: failures only, deliveries counted.
    case swiftFailures = "swift-failures"
    /// `enqueue(_:completion:)`.
    case swiftCompletion = "swift-completion"
    /// 1,000 tasks, each awaiting `send(_:)` in a loop.
    case swiftSend1000 = "swift-send-1000"
    /// 10,000 tasks, each awaiting `send(_:)` in a loop.
    case swiftSend10000 = "swift-send-10000"
    /// The tasks of `swift-send-10000` awaiting a continuation per message that a thread
    /// resumes, with no producer: the floor under `send` (``AwaitFloorRun``).
    case awaitFloor10000 = "await-floor-10000"
    /// `enqueue(contentsOf:)`, batches of ``batchSize``, a report per message on the events stream.
    case swiftBatch = "swift-batch"
    /// At a fixed rate: a task per message, awaiting `send(_:)` (latency only).
    case swiftSend = "swift-send"
    /// As `swift`, each message with one of 1,000 keys, `ordering: .none`.
    case swiftKeyed = "swift-keyed"
    /// As `swift-keyed`, under `ordering: .perKey` (the library's default): its cost.
    case swiftPerKey = "swift-per-key"

    /// What `kafka-bench producer` measures by default.
    static let throughputPaths: [BenchPath] = [.c, .cHandle, .cNoCopy, .cKeyed, .swift, .swiftFailures, .swiftCompletion, .swiftSend1000, .swiftSend10000,
                                               .awaitFloor10000, .swiftBatch, .swiftKeyed, .swiftPerKey]
    /// What `kafka-bench latency` measures by default: the paths that report each message
    /// (failures only has no reports; `c (no copy)` differs from `c` in throughput only).
    static let latencyPaths: [BenchPath] = [.c, .cHandle, .swift, .swiftCompletion, .swiftSend, .swiftBatch]

    /// Messages per `enqueue(contentsOf:)` call on the throughput run of ``swiftBatch`` (at a
    /// fixed rate, a batch holds what fell due in the last millisecond).
    static let batchSize = 1_000

    /// Distinct keys on the keyed paths (`c-keyed`, `swift-keyed`, `swift-per-key`), message `i`
    /// taking key `i % keyCount`.
    static let keyCount = 1_000

    var label: String {
        switch self {
        case .c: "c"
        case .cHandle: "c (topic handle)"
        case .cNoCopy: "c (no copy)"
        case .cKeyed: "c (keyed)"
        case .swift: "swift (events)"
        case .swiftFailures: "swift (failures)"
        case .swiftCompletion: "swift-completion"
        case .swiftSend1000: "swift (send x1000)"
        case .swiftSend10000: "swift (send x10000)"
        case .awaitFloor10000: "await floor x10000"
        case .swiftSend: "swift (send)"
        case .swiftBatch: "swift (batch)"
        case .swiftKeyed: "swift (keyed)"
        case .swiftPerKey: "swift (per-key)"
        }
    }

    var isC: Bool { rawValue.hasPrefix("c") }

    /// Tasks that each await `send`, for the send paths.
    var sendingTasks: Int? {
        switch self {
        case .swiftSend1000: 1_000
        case .swiftSend10000, .awaitFloor10000: 10_000
        default: nil
        }
    }
}
