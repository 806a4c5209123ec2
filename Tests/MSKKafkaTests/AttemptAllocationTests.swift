#if canImport(Glibc)
import Glibc
import Testing
@testable import MSKKafka

/// The objects the producer allocates per message next to librdkafka's copy of it must not come
/// from glibc's fast bins (see ``FastBinClearance``).
@Suite struct AttemptAllocationTests {
    /// The usable size of `object`'s allocation, as glibc's allocator reports it
    /// (`malloc_usable_size`, looked up at run time: `<malloc.h>` is not in Glibc's module).
    private static func usableSize(_ object: AnyObject) throws -> Int {
        typealias UsableSize = @convention(c) (UnsafeMutableRawPointer?) -> Int
        let symbol = try #require(dlsym(dlopen(nil, RTLD_NOW), "malloc_usable_size"), "glibc has malloc_usable_size")
        return unsafeBitCast(symbol, to: UsableSize.self)(Unmanaged.passUnretained(object).toOpaque())
    }

    @Test func aCompletionAttemptIsAllocatedAboveTheFastBins() throws {
        let attempt = CompletionAttempt(KafkaProducerMessage(topic: "t", value: "v"), byteCount: 1, completion: .handler { _ in })
        let size = try Self.usableSize(attempt)
        #expect(size > FastBinClearance.largestFastBinUsableSize, "usable size \(size)")
    }

    /// Large enough without padding (it holds a whole message); checked so that it stays so.
    @Test func aPendingMessageIsAllocatedAboveTheFastBins() throws {
        let pending = PendingMessage(message: KafkaProducerMessage(topic: "t", value: "v"), attempt: 1, byteCount: 1, target: .events)
        let size = try Self.usableSize(pending)
        #expect(size > FastBinClearance.largestFastBinUsableSize, "usable size \(size)")
    }
}
#endif
