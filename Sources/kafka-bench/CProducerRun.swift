import CRawProducer
import Foundation

/// The C reference programs (Sources/CRawProducer), called with the benchmark's settings.
enum CProducerRun {
    /// A throughput run of `count` messages of `size` bytes, as fast as librdkafka takes them.
    static func throughput(_ path: BenchPath, bootstrap: String, settings: [(String, String)], count: Int, size: Int) throws -> BenchOutcome {
        let result = withCProperties([("bootstrap.servers", bootstrap)] + settings) {
            raw_producer_run($0.baseAddress, $0.count, "bench", count, size, path == .cHandle ? 1 : 0, path == .cNoCopy ? 0 : 1,
                             path == .cKeyed ? Int32(BenchPath.keyCount) : 0)
        }
        return try outcome(result)
    }

    /// A fixed-rate run; each delivered message's latency in nanoseconds goes to `latencies`.
    /// Message `i` goes to partition `i % partitions`.
    static func fixedRate(_ path: BenchPath, bootstrap: String, settings: [(String, String)], count: Int, size: Int, partitions: Int, rate: Double,
                          latencies: UnsafeMutableBufferPointer<UInt64>) throws -> BenchOutcome {
        let result = withCProperties([("bootstrap.servers", bootstrap)] + settings) {
            raw_producer_rate_run($0.baseAddress, $0.count, "bench", count, size, path == .cHandle ? 1 : 0, Int32(partitions), rate, latencies.baseAddress)
        }
        return try outcome(result)
    }

    private static func outcome(_ result: raw_producer_result) throws -> BenchOutcome {
        var result = result
        let error = withUnsafeBytes(of: &result.error) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        guard error.isEmpty else { throw BenchError("raw producer: \(error)") }
        return BenchOutcome(seconds: result.seconds, delivered: result.delivered, loopCPUSeconds: result.loop_cpu_seconds, startupSeconds: result.startup_seconds)
    }
}
