import Foundation
import Synchronization

/// Lets calls into a librdkafka handle in until the handle is closed, and lets the closer wait
/// for the calls already inside — with one atomic add and one subtract per call, as it guards
/// every produce.
struct CallGate: ~Copyable {
    /// Calls inside, plus `closedBit` once closed.
    private let word = Atomic<Int>(0)
    private static let closedBit = 1 << 62

    /// Runs `body` with `true` if the gate is open, or `false` (and nothing may touch the
    /// handle) once it has closed.
    func enter<Result>(_ body: (_ isOpen: Bool) -> Result) -> Result {
        let state = word.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue
        defer { word.wrappingSubtract(1, ordering: .releasing) }
        return body(state & Self.closedBit == 0)
    }

    /// Closes the gate and waits (microseconds) for the calls inside to leave. Returns false
    /// if it was already closed.
    func close() -> Bool {
        let previous = word.bitwiseOr(Self.closedBit, ordering: .acquiringAndReleasing).oldValue
        guard previous & Self.closedBit == 0 else { return false }
        while word.load(ordering: .acquiring) != Self.closedBit { usleep(50) }
        return true
    }
}
