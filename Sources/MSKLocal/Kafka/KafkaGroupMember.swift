import NIOCore

/// A consumer group member as a JoinGroup or SyncGroup request names it.
struct KafkaGroupMember: Hashable, Sendable {
    let group: String
    let member: String

    /// The member a JoinGroup (v0–v5) or SyncGroup (v0–v3) request is from, or `nil` for other
    /// requests, other versions, and a JoinGroup without a member id (a new member: the broker
    /// holds nothing for it yet).
    static func of(apiKey: Int16, version: Int16, body: ByteBuffer) -> KafkaGroupMember? {
        var input = body
        do {
            switch apiKey {
            case KafkaAPI.joinGroup where (0...5).contains(version):
                let group = try input.readKafkaString() ?? ""
                try input.skipKafka(version >= 1 ? 8 : 4)  // session_timeout_ms, rebalance_timeout_ms
                guard let member = try input.readKafkaString(), !member.isEmpty else { return nil }
                return KafkaGroupMember(group: group, member: member)
            case KafkaAPI.syncGroup where (0...3).contains(version):
                let group = try input.readKafkaString() ?? ""
                try input.skipKafka(4)  // generation_id
                guard let member = try input.readKafkaString(), !member.isEmpty else { return nil }
                return KafkaGroupMember(group: group, member: member)
            default:
                return nil
            }
        } catch {
            return nil
        }
    }
}
