import NIOCore
import Synchronization

/// Keeps librdkafka 2.0.2's mock broker from seeing a group member's JoinGroup or SyncGroup
/// while it still holds an earlier one of the same member unanswered.
///
/// The mock parks a member's JoinGroup (until the leader is elected) and SyncGroup (until every
/// member has synced) and asserts — aborting the whole process — when the member sends another
/// while one is parked (`rd_kafka_mock_cgrp_member_add: Assertion '!member->resp'`). A client
/// whose connection was dropped does exactly that on its next connection. A real broker answers
/// the first request on the closed connection into the void and takes the second.
///
/// So the gateway does what such a broker does, in two parts: the upstream connection of a client
/// connection that closed with such a request unanswered stays open until the mock answers it
/// (the answer is dropped; the member is then "parked" here), and a new JoinGroup or SyncGroup of
/// a parked member waits — with everything its connection sends after it — until the earlier
/// one is answered. The client sees a slower answer, never a different one.
final class GatewayGroupRequestGuard: Sendable {
    private struct State {
        var parked: [KafkaGroupMember: Int] = [:]
        var waiters: [KafkaGroupMember: [@Sendable () -> Void]] = [:]
    }

    private let state = Mutex(State())

    /// How long an upstream connection is kept for its parked answers at most.
    static let maximumParking: TimeAmount = .seconds(60)

    /// Marks `member` as having a request parked on a closed client's upstream connection.
    func park(_ member: KafkaGroupMember) {
        state.withLock { $0.parked[member, default: 0] += 1 }
    }

    /// The parked request of `member` was answered (or its connection is gone): its waiters go on.
    func unpark(_ member: KafkaGroupMember) {
        let resumed: [@Sendable () -> Void] = state.withLock { state in
            let left = (state.parked[member] ?? 1) - 1
            guard left <= 0 else {
                state.parked[member] = left
                return []
            }
            state.parked[member] = nil
            return state.waiters.removeValue(forKey: member) ?? []
        }
        for resume in resumed { resume() }
    }

    /// `true` and `resume` kept for later when `member` has a request parked; `false` (and
    /// `resume` dropped) when the request can go at once.
    func waitIfParked(_ member: KafkaGroupMember, resume: @escaping @Sendable () -> Void) -> Bool {
        state.withLock { state in
            guard state.parked[member] != nil else { return false }
            state.waiters[member, default: []].append(resume)
            return true
        }
    }
}
