import NIOCore

/// The Kafka API keys and error codes the gateway reads, answers or rewrites.
enum KafkaAPI {
    static let produce: Int16 = 0
    static let fetch: Int16 = 1
    static let listOffsets: Int16 = 2
    static let metadata: Int16 = 3
    static let offsetCommit: Int16 = 8
    static let offsetFetch: Int16 = 9
    static let findCoordinator: Int16 = 10
    static let joinGroup: Int16 = 11
    static let heartbeat: Int16 = 12
    static let leaveGroup: Int16 = 13
    static let syncGroup: Int16 = 14
    static let saslHandshake: Int16 = 17
    static let apiVersions: Int16 = 18
    static let initProducerID: Int16 = 22
    static let addPartitionsToTxn: Int16 = 24
    static let addOffsetsToTxn: Int16 = 25
    static let endTxn: Int16 = 26
    static let txnOffsetCommit: Int16 = 28
    static let saslAuthenticate: Int16 = 36

    /// Highest versions the gateway lets through for the APIs whose responses it rewrites:
    /// the last non-flexible ones, whose layout it knows. (ApiVersions it answers itself.)
    static let rewrittenVersionCaps: [Int16: Int16] = [metadata: 8, findCoordinator: 2]
    /// The APIs, and their highest versions, whose requests the gateway reads to authorize them
    /// (``GatewayRequestAuthorization``) and whose answers it can write: the only ones an
    /// IAM listener advertises, so that no request escapes authorization. All non-flexible but
    /// InitProducerId, whose few fields are read in both encodings.
    static let authorizedVersionCaps: [Int16: Int16] = [
        produce: 7, fetch: 11, listOffsets: 5, metadata: 8, offsetCommit: 7, offsetFetch: 5, findCoordinator: 2,
        joinGroup: 5, heartbeat: 3, leaveGroup: 2, syncGroup: 3, initProducerID: 4, addPartitionsToTxn: 2,
        addOffsetsToTxn: 2, endTxn: 2, txnOffsetCommit: 2,
    ]
    /// The SASL versions the gateway itself serves (v1 handshake: framed SaslAuthenticate).
    static let servedVersions: [(key: Int16, min: Int16, max: Int16)] = [(saslHandshake, 0, 1), (saslAuthenticate, 0, 1)]
}

/// Kafka protocol error codes used by the gateway.
enum KafkaErrorCode {
    static let none: Int16 = 0
    static let unsupportedVersion: Int16 = 35
    static let illegalSaslState: Int16 = 34
    static let unsupportedSaslMechanism: Int16 = 33
    static let saslAuthenticationFailed: Int16 = 58
    static let topicAuthorizationFailed: Int16 = 29
    static let groupAuthorizationFailed: Int16 = 30
    static let clusterAuthorizationFailed: Int16 = 31
    static let transactionalIDAuthorizationFailed: Int16 = 53
}

/// The start of every request header (v1 and v2 agree up to the client id).
struct KafkaRequestHeader {
    let apiKey: Int16
    let apiVersion: Int16
    let correlationID: Int32
    let clientID: String?

    /// Reads the header, leaving `frame`'s reader index at the start of the body for v1
    /// headers (the SASL requests, which are never flexible at the versions served here).
    static func read(from frame: inout ByteBuffer) throws -> KafkaRequestHeader {
        let apiKey = try frame.readKafkaInt16()
        let apiVersion = try frame.readKafkaInt16()
        let correlationID = try frame.readKafkaInt32()
        let clientID = try frame.readKafkaString()
        return KafkaRequestHeader(apiKey: apiKey, apiVersion: apiVersion, correlationID: correlationID, clientID: clientID)
    }
}

