import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

/// One HTTP exchange's outcome, settled once by whichever comes first — the answer, the
/// deadline or cancellation — and the data task it belongs to, cancelled when the exchange
/// ends any other way than by its answer.
final class ExchangeOutcome: Sendable {
    private struct State {
        var continuation: CheckedContinuation<HTTPResponse, any Error>?
        /// Settled before the continuation was handed over (cancelled before it started).
        var early: Result<HTTPResponse, any Error>?
        var task: URLSessionDataTask?
        var settled = false
    }

    // The data task is only touched under this lock; `cancel()` may be called from any thread.
    private let state = Mutex<State>(State())

    /// Hands over the continuation; resumes it at once if the exchange already ended.
    func start(_ continuation: CheckedContinuation<HTTPResponse, any Error>) {
        let early: Result<HTTPResponse, any Error>? = state.withLock { state in
            if let early = state.early { return early }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    /// Remembers the data task, or cancels it at once if the exchange already ended.
    func track(_ task: URLSessionDataTask) {
        let cancelNow = state.withLock { state -> Bool in
            if state.settled { return true }
            state.task = task
            return false
        }
        if cancelNow { task.cancel() }
    }

    /// Settles the exchange with `result` unless it is already settled; a later call is a no-op.
    func finish(_ result: Result<HTTPResponse, any Error>) {
        let (continuation, task): (CheckedContinuation<HTTPResponse, any Error>?, URLSessionDataTask?) = state.withLock { state in
            guard !state.settled else { return (nil, nil) }
            state.settled = true
            if state.continuation == nil { state.early = result }
            defer { state.continuation = nil; state.task = nil }
            return (state.continuation, state.task)
        }
        continuation?.resume(with: result)
        // Ended by the deadline or cancellation: the task is not waited for, only told to stop.
        if case .failure = result { task?.cancel() }
    }
}
