/// Padding that makes a ``CompletionAttempt`` too large for glibc's fast bins.
///
/// glibc keeps freed chunks of up to 144 bytes (requests of up to 128 bytes, its default
/// `M_MXFAST`) in fast bins, where they still count as in use: the free chunks around them
/// cannot merge. A completion attempt (88 bytes without this) is allocated per message right
/// after librdkafka's copy of the message (some 300 bytes), and both are freed when the
/// delivery report has been served. With the attempts held in fast bins, the memory
/// librdkafka's messages are freed into stays in pieces, and its next allocations walk glibc's
/// unsorted bin through cold chunks: `_int_malloc` took 13% of the completion path's samples,
/// against 1% on the events path, which allocates nothing of its own per message. Larger than
/// the fast bins take, the attempt is freed as librdkafka's messages are, and the two merge
/// back into whole runs of free memory (docs/benchmarks.md, eleventh session). The cost is 64
/// bytes per message in flight.
///
/// The event path's ``HeldValueAttempt`` is left small: its values are 512 bytes or more, and
/// with fast bins turned off (`GLIBC_TUNABLES=glibc.malloc.mxfast=0`) its runs measured the same.
struct FastBinClearance {
    /// The usable size of glibc's largest fast-bin chunk (144 bytes, less its 8-byte size
    /// field): a padded object's allocation is larger than this.
    static let largestFastBinUsableSize = 136

    private let padding: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
}
