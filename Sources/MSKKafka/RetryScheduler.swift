import Synchronization

/// Values waiting for their next attempt — messages, or keys held under per-key ordering —
/// released when their backoff has passed.
///
/// One task serves them all, however many there are: during a long outage thousands of messages
/// wait at once, and a task (with its timer) apiece would cost memory that the allocator keeps
/// long after the outage.
final class RetryScheduler<Value: Sendable>: Sendable {
    private struct State {
        var waiting = DueQueue<Value>()
        var idle: CheckedContinuation<Void, Never>?
        var runner: Task<Void, Never>?
        var closed = false
    }

    private let state = Mutex(State())
    /// Called with each value whose backoff has passed.
    private let fire: @Sendable (Value) -> Void

    init(fire: @escaping @Sendable (Value) -> Void) {
        self.fire = fire
    }

    /// Releases `pending` to `fire` after `delay`; returns false (and keeps nothing) once closed.
    func schedule(_ pending: Value, after delay: Duration) -> Bool {
        let due = ContinuousClock.now + delay
        let (accepted, wake, start) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?, Bool) in
            guard !state.closed else { return (false, nil, false) }
            state.waiting.insert(pending, due: due)
            defer { state.idle = nil }
            return (true, state.idle, state.runner == nil)
        }
        wake?.resume()
        if start { startRunner() }
        return accepted
    }

    /// Stops; returns every value still waiting (the caller reports them).
    func close() -> [Value] {
        let (waiting, runner, idle) = state.withLock { state in
            state.closed = true
            defer { state.idle = nil }
            return (state.waiting.removeAll(), state.runner, state.idle)
        }
        runner?.cancel()
        idle?.resume()
        return waiting
    }

    var waiting: Int { state.withLock { $0.waiting.count } }

    private func startRunner() {
        let task = Task { [weak self] in
            guard let self else { return }
            await self.run()
        }
        let duplicate = state.withLock { state -> Bool in
            guard state.runner == nil, !state.closed else { return true }
            state.runner = task
            return false
        }
        if duplicate { task.cancel() }
    }

    private func run() async {
        while !Task.isCancelled {
            let now = ContinuousClock.now
            let (due, next) = state.withLock { state -> ([Value], ContinuousClock.Instant?) in
                var due: [Value] = []
                while let pending = state.waiting.popDue(at: now) { due.append(pending) }
                return (due, state.waiting.earliestDue)
            }
            for pending in due { fire(pending) }
            if let next {
                // Re-check at least every 100 ms: a message scheduled meanwhile may be due sooner.
                try? await Task.sleep(until: min(next, .now + .milliseconds(100)))
            } else {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow = state.withLock { state -> Bool in
                        if state.closed || !state.waiting.isEmpty { return true }
                        state.idle = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
        }
    }
}
