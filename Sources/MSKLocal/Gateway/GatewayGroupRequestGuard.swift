import NIOCore
import Synchronization

/// Keeps librdkafka 2.0.2's mock broker from seeing a group member's JoinGroup or SyncGroup
/// while it still holds an earlier one of the same member unanswered.
///
/// The mock parks a member's JoinGroup (until the leader is elected) and SyncGroup (until every
/// member has synced) and asserts — aborting the whole process — when the member sends another
/// while one is parked (`rd_kafka_mock_cgrp_member_add: Assertion '!member->resp'`). A client
/// whose connection was dropped, or whose own request timed out, does exactly that on its next
/// connection. A real broker answers the first request on the closed connection into the void
/// and takes the second.
///
/// So the gateway lets at most one JoinGroup or SyncGroup per member be upstream at a time,
/// whichever client connection it came from: a member's request goes only once the guard is
/// acquired, and waits — with everything its connection sends after it — until the earlier one
/// is answered. The upstream connection of a client connection that closed with such a request
/// unanswered stays open until the mock answers it (the answer is dropped). The client sees a
/// slower answer, never a different one.
///
/// Why the guard is taken when a request is sent, not when its client connection closes: the
/// client's next connection may be read before the close of the last one is (another event
/// loop, or the same wakeup), and the resent request would reach the mock first.
final class GatewayGroupRequestGuard: Sendable {
    private struct State {
        var upstream: Set<KafkaGroupMember> = []
        var waiters: [KafkaGroupMember: [@Sendable () -> Void]] = [:]
    }

    private let state = Mutex(State())

    /// How long an upstream connection is kept for its parked answers at most.
    static let maximumParking: TimeAmount = .seconds(60)
    /// After the gateway itself closed an upstream connection with a member's request parked on
    /// it: how long before that member's next request may go. The mock forgets the parked
    /// request when it sees the connection close, which it does in its own time.
    static let closeSettling: TimeAmount = .seconds(2)

    /// `true` when `member` may send its request now (the guard is then its until
    /// ``release(_:)``); `false` when an earlier one is still upstream — `resume` is called once
    /// it is not, and the caller tries again.
    func tryAcquire(_ member: KafkaGroupMember, resume: @escaping @Sendable () -> Void) -> Bool {
        state.withLock { state in
            guard state.upstream.contains(member) else {
                state.upstream.insert(member)
                return true
            }
            state.waiters[member, default: []].append(resume)
            return false
        }
    }

    /// `member`'s request was answered, or the mock has forgotten it: the next may go.
    func release(_ member: KafkaGroupMember) {
        let resumed: [@Sendable () -> Void] = state.withLock { state in
            state.upstream.remove(member)
            return state.waiters.removeValue(forKey: member) ?? []
        }
        for resume in resumed { resume() }
    }

    /// Whether `member` has a request upstream (for tests).
    func isUpstream(_ member: KafkaGroupMember) -> Bool {
        state.withLock { $0.upstream.contains(member) }
    }
}
