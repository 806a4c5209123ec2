/// A small, fast pseudo-random generator (SplitMix64) for refresh and retry jitter — and, being
/// seedable where the standard library's generator is not, for anything else in the package that
/// needs a repeatable sequence (the benchmark's bootstrap).
///
/// Jitter needs spread, not secrecy. Keeping the generator as a plain value inside the cache's
/// locked state makes it Sendable for free, and a fixed seed makes a test run reproducible.
package struct JitterGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator with a fixed seed: the same sequence every time.
    package init(seed: UInt64) {
        state = seed
    }

    /// A generator seeded from the system's random source.
    package init() {
        var system = SystemRandomNumberGenerator()
        state = system.next()
    }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `0..<1` with 53 bits of precision.
    package mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }
}
