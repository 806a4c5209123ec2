import Foundation
import NIOCore
import Synchronization

/// The protocol each consumer group runs, as a broker keeps it, so that librdkafka 2.0.2's mock
/// never sees members that disagree.
///
/// A broker picks a protocol every member supports and answers a member that supports none of
/// the group's — or names another protocol type, or none at all — with
/// `INCONSISTENT_GROUP_PROTOCOL`. The mock takes the leader's first protocol and asserts that
/// every member's first protocol is the same one, aborting the process otherwise
/// (`rd_kafka_mock_cgrp_elect_leader`); with no protocol at all it reads past the member's
/// (empty) list. So two clients with different assignor preferences — librdkafka's
/// `range,roundrobin` and aiokafka's `roundrobin` — would take msk-local down.
///
/// The gateway therefore keeps each group's protocol type and protocol (the first member's
/// first choice), sends every later member's JoinGroup with that protocol first, and answers
/// the ones that cannot follow it itself. A group forgets its protocol once no request of it
/// has passed for longer than its members' session timeout (plus a margin): the mock has then
/// dropped every member, and a broker would let a new group choose again.
final class GatewayGroupProtocols: Sendable {
    /// What to do with a JoinGroup.
    enum Decision: Equatable {
        case forward
        /// Forward it with its protocol at this index first.
        case preferring(Int)
        /// Answer it with this error here.
        case refuse(error: Int16, reason: String)
    }

    private struct Group {
        var protocolType: String
        var protocolName: String
        var sessionTimeout: Duration
        var lastRequest: ContinuousClock.Instant

        func expired(at now: ContinuousClock.Instant) -> Bool {
            now - lastRequest > sessionTimeout + GatewayGroupProtocols.forgetMargin
        }
    }

    static let inconsistentGroupProtocol: Int16 = 23
    static let coordinatorNotAvailable: Int16 = 15
    /// How long past a group's session timeout it is remembered: the mock checks sessions once
    /// a second.
    static let forgetMargin: Duration = .seconds(3)
    /// Groups remembered at most (a client can name any number); past it, a new group is told
    /// to try again later (`COORDINATOR_NOT_AVAILABLE`, retriable) until one is forgotten.
    static let maximumGroups = 4_096

    private let groups = Mutex<[String: Group]>([:])

    /// The decision for `request`, received `now`.
    func decide(_ request: KafkaJoinGroupRequest, now: ContinuousClock.Instant = .now) -> Decision {
        guard !request.protocols.isEmpty else {
            return .refuse(error: Self.inconsistentGroupProtocol, reason: "a JoinGroup without protocols")
        }
        let session = Duration.milliseconds(Int64(max(0, request.sessionTimeoutMs)))
        return groups.withLock { groups in
            if var group = groups[request.group], !group.expired(at: now) {
                guard group.protocolType == request.protocolType,
                      let index = request.protocols.firstIndex(where: { $0.name == group.protocolName }) else {
                    return .refuse(error: Self.inconsistentGroupProtocol,
                                   reason: "group '\(request.group)' runs \(group.protocolType)/\(group.protocolName)")
                }
                group.lastRequest = now
                group.sessionTimeout = max(group.sessionTimeout, session)
                groups[request.group] = group
                return index == 0 ? .forward : .preferring(index)
            }
            if groups[request.group] == nil, groups.count >= Self.maximumGroups {
                groups = groups.filter { !$0.value.expired(at: now) }
                guard groups.count < Self.maximumGroups else {
                    return .refuse(error: Self.coordinatorNotAvailable, reason: "\(Self.maximumGroups) groups in use")
                }
            }
            groups[request.group] = Group(protocolType: request.protocolType, protocolName: request.protocols[0].name,
                                          sessionTimeout: session, lastRequest: now)
            return .forward
        }
    }

    /// A SyncGroup, Heartbeat or LeaveGroup of `group` passed: its members are alive.
    func touch(_ group: String, now: ContinuousClock.Instant = .now) {
        groups.withLock { groups in
            guard var known = groups[group], !known.expired(at: now) else { return }
            known.lastRequest = now
            groups[group] = known
        }
    }

    /// The group a SyncGroup (v0–v3), Heartbeat (v0–v3) or LeaveGroup (v0–v2) names — its
    /// first field — or `nil` for other requests and versions.
    static func group(apiKey: Int16, version: Int16, body: ByteBuffer) -> String? {
        switch (apiKey, version) {
        case (KafkaAPI.syncGroup, 0...3), (KafkaAPI.heartbeat, 0...3), (KafkaAPI.leaveGroup, 0...2):
            var input = body
            return try? input.readKafkaString()
        default:
            return nil
        }
    }

    /// Groups remembered now (for tests).
    var count: Int { groups.withLock { $0.count } }
}
