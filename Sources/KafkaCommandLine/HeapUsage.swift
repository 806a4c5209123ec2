import Foundation

/// What glibc's allocator holds, read from `malloc_info` (looked up at run time, as Swift's
/// Glibc module does not import `malloc.h`): what is in use, and what is free but kept — which
/// tells a leak (in-use grows) from an allocator that keeps its high-water mark (free grows).
public struct HeapUsage: Sendable, Codable {
    /// Allocated and not freed (heaps plus separately mapped chunks).
    public var inUseBytes: Int
    /// Freed, but kept by the allocator in its heaps.
    public var freeBytes: Int

    /// The current reading, or nil where `malloc_info` is not available (not glibc).
    public static func current() -> HeapUsage? {
        typealias MallocInfo = @convention(c) (Int32, UnsafeMutablePointer<FILE>?) -> Int32
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "malloc_info") else { return nil }
        let mallocInfo = unsafeBitCast(symbol, to: MallocInfo.self)
        var buffer: UnsafeMutablePointer<CChar>?
        var size = 0
        guard let stream = open_memstream(&buffer, &size) else { return nil }
        _ = mallocInfo(0, stream)
        fclose(stream)
        defer { free(buffer) }
        guard let buffer else { return nil }
        return parse(String(cString: buffer))
    }

    /// Reads the process-wide totals: the lines after the last `</heap>`.
    static func parse(_ xml: String) -> HeapUsage? {
        let totals = xml.components(separatedBy: "</heap>").last ?? xml
        func size(_ element: String, _ type: String) -> Int? {
            guard let start = totals.range(of: "<\(element) type=\"\(type)\"") else { return nil }
            let rest = totals[start.upperBound...]
            guard let attribute = rest.range(of: "size=\""), let end = rest[attribute.upperBound...].firstIndex(of: "\"") else { return nil }
            return Int(rest[attribute.upperBound..<end])
        }
        guard let current = size("system", "current") else { return nil }
        let free = (size("total", "fast") ?? 0) + (size("total", "rest") ?? 0)
        return HeapUsage(inUseBytes: current - free + (size("total", "mmap") ?? 0), freeBytes: free)
    }
}
