import NIOCore

/// What the gateway does with one request of an authenticated principal once its policy has
/// been applied, as MSK's brokers decide: denied topics answered with
/// TOPIC_AUTHORIZATION_FAILED per partition and the rest forwarded; a denied group,
/// transactional id or cluster action answered with its own error; never a dropped connection
/// (but for an `acks=0` Produce, which has no answer to carry the error: Kafka closes those).
enum GatewayVerdict {
    /// Forward the request as it came.
    case forward
    /// Forward `body` instead (the denied topics left out), then add `denied` to the answer.
    case forwardWithout(body: ByteBuffer, denied: [KafkaDeniedTopic])
    /// Answer with `body` (after the correlation id) and forward nothing.
    case answer(body: ByteBuffer)
    /// Forward, and leave the topics the principal may not describe out of the Metadata answer
    /// (or, for topics it `named`, answer them with TOPIC_AUTHORIZATION_FAILED).
    case filterMetadata(named: Bool)
    /// A denied request with no answer to carry the error: close the connection.
    case close(reason: String)
}

/// Maps each request to the `kafka-cluster:` actions MSK checks for it (Amazon MSK developer
/// guide, "IAM access control"; Kafka's own authorizer for which resource each is checked on):
///
/// | request | action, resource |
/// |---|---|
/// | Produce | WriteData on each topic; AlterTransactionalId when transactional |
/// | Fetch | ReadData on each topic |
/// | ListOffsets | DescribeTopic on each topic |
/// | Metadata | DescribeTopic on each topic (others left out of the answer) |
/// | InitProducerId | WriteDataIdempotently on the cluster, or AlterTransactionalId |
/// | FindCoordinator | DescribeGroup on the group, or DescribeTransactionalState |
/// | JoinGroup, SyncGroup, Heartbeat, LeaveGroup | AlterGroup on the group |
/// | OffsetCommit | AlterGroup on the group, ReadData on each topic |
/// | OffsetFetch | DescribeGroup on the group, DescribeTopic on each topic |
/// | AddPartitionsToTxn | AlterTransactionalId, WriteData on each topic |
/// | AddOffsetsToTxn | AlterTransactionalId, AlterGroup |
/// | EndTxn | AlterTransactionalId |
/// | TxnOffsetCommit | AlterTransactionalId, AlterGroup, ReadData on each topic |
struct GatewayRequestAuthorization {
    let authorizer: MSKAuthorizer
    let principal: String

    private var resources: MSKResources { authorizer.resources }

    private func allowed(_ action: MSKAction, _ resource: String) -> Bool {
        authorizer.authorize(principal: principal, action: action, resource: resource)
    }

    /// The verdict on `body` (after the request header) of `header`'s request.
    func verdict(_ header: KafkaRequestHeader, body: ByteBuffer, allocator: ByteBufferAllocator) throws -> GatewayVerdict {
        guard let cap = KafkaAPI.authorizedVersionCaps[header.apiKey], header.apiVersion >= 0, header.apiVersion <= cap else {
            return .close(reason: "API \(header.apiKey) v\(header.apiVersion) is not one the gateway authorizes")
        }
        if let request = try KafkaTopicRequest.read(apiKey: header.apiKey, version: header.apiVersion, body: body) {
            return topicRequestVerdict(request, allocator: allocator)
        }
        var input = body
        switch header.apiKey {
        case KafkaAPI.metadata:
            return .filterMetadata(named: try Self.metadataNamesTopics(version: header.apiVersion, body: body))
        case KafkaAPI.initProducerID:
            if header.apiVersion >= 2 { try input.skipKafkaTaggedFields() }  // request header v2
            let transactionalID = header.apiVersion >= 2 ? try input.readKafkaCompactString() : try input.readKafkaString()
            if let transactionalID {
                return single(header, allowed(.alterTransactionalID, resources.transactionalID(transactionalID)),
                              KafkaErrorCode.transactionalIDAuthorizationFailed, allocator: allocator)
            }
            return single(header, allowed(.writeDataIdempotently, resources.cluster), KafkaErrorCode.clusterAuthorizationFailed,
                          message: "the producer is idempotent: InitProducerId needs kafka-cluster:WriteDataIdempotently on \(resources.cluster)",
                          allocator: allocator)
        case KafkaAPI.findCoordinator:
            let key = try input.readKafkaString() ?? ""
            let keyType: Int8 = header.apiVersion >= 1 ? try input.readKafkaInt8() : 0
            if keyType == 1 {
                return single(header, allowed(.describeTransactionalState, resources.transactionalID(key)),
                              KafkaErrorCode.transactionalIDAuthorizationFailed, allocator: allocator)
            }
            return single(header, allowed(.describeGroup, resources.group(key)), KafkaErrorCode.groupAuthorizationFailed, allocator: allocator)
        case KafkaAPI.joinGroup, KafkaAPI.syncGroup, KafkaAPI.heartbeat, KafkaAPI.leaveGroup:
            let group = try input.readKafkaString() ?? ""
            return single(header, allowed(.alterGroup, resources.group(group)), KafkaErrorCode.groupAuthorizationFailed, allocator: allocator)
        case KafkaAPI.addOffsetsToTxn:
            let transactionalID = try input.readKafkaString() ?? ""
            try input.skipKafka(10)
            let group = try input.readKafkaString() ?? ""
            guard allowed(.alterTransactionalID, resources.transactionalID(transactionalID)) else {
                return single(header, false, KafkaErrorCode.transactionalIDAuthorizationFailed, allocator: allocator)
            }
            return single(header, allowed(.alterGroup, resources.group(group)), KafkaErrorCode.groupAuthorizationFailed, allocator: allocator)
        case KafkaAPI.endTxn:
            let transactionalID = try input.readKafkaString() ?? ""
            return single(header, allowed(.alterTransactionalID, resources.transactionalID(transactionalID)),
                          KafkaErrorCode.transactionalIDAuthorizationFailed, allocator: allocator)
        default:
            return .close(reason: "API \(header.apiKey) has no authorization rule")
        }
    }

    private func single(_ header: KafkaRequestHeader, _ allowed: Bool, _ error: Int16, message: String = "not authorized",
                        allocator: ByteBufferAllocator) -> GatewayVerdict {
        guard !allowed else { return .forward }
        guard let body = KafkaDenialAnswers.singleErrorBody(apiKey: header.apiKey, version: header.apiVersion, error: error, message: message, allocator: allocator) else {
            return .close(reason: "no answer for API \(header.apiKey)")
        }
        return .answer(body: body)
    }

    private func topicRequestVerdict(_ request: KafkaTopicRequest, allocator: ByteBufferAllocator) -> GatewayVerdict {
        // Checks on the request as a whole first: they refuse every partition.
        var wholeError: Int16?
        if let transactionalID = request.transactionalID, !allowed(.alterTransactionalID, resources.transactionalID(transactionalID)) {
            wholeError = KafkaErrorCode.transactionalIDAuthorizationFailed
        }
        if wholeError == nil, let group = request.groupID {
            let action: MSKAction = request.apiKey == KafkaAPI.offsetFetch ? .describeGroup : .alterGroup
            if !allowed(action, resources.group(group)) { wholeError = KafkaErrorCode.groupAuthorizationFailed }
        }
        let topicAction: MSKAction = switch request.apiKey {
        case KafkaAPI.produce, KafkaAPI.addPartitionsToTxn: .writeData
        case KafkaAPI.fetch, KafkaAPI.offsetCommit, KafkaAPI.txnOffsetCommit: .readData
        default: .describeTopic
        }
        var denied: [KafkaDeniedTopic] = []
        var deniedNames: Set<String> = []
        for topic in request.topics ?? [] {
            if let wholeError {
                denied.append(KafkaDeniedTopic(name: topic.name, partitions: topic.partitions, error: wholeError))
            } else if !allowed(topicAction, resources.topic(topic.name)) {
                denied.append(KafkaDeniedTopic(name: topic.name, partitions: topic.partitions, error: KafkaErrorCode.topicAuthorizationFailed))
                deniedNames.insert(topic.name)
            }
        }
        if let wholeError {
            if request.apiKey == KafkaAPI.produce, request.acks == 0 { return .close(reason: "an acks=0 Produce was denied") }
            return .answer(body: KafkaDenialAnswers.topicRequestBody(request, denied: denied, topLevelError: wholeError, allocator: allocator))
        }
        guard !denied.isEmpty else { return .forward }
        if request.apiKey == KafkaAPI.produce, request.acks == 0 { return .close(reason: "an acks=0 Produce was denied") }
        if denied.count == request.topics?.count {
            return .answer(body: KafkaDenialAnswers.topicRequestBody(request, denied: denied, topLevelError: 0, allocator: allocator))
        }
        return .forwardWithout(body: request.body(keeping: { !deniedNames.contains($0.name) }, allocator: allocator), denied: denied)
    }

    /// Whether a Metadata request names its topics (`false`: it asks for all of them).
    static func metadataNamesTopics(version: Int16, body: ByteBuffer) throws -> Bool {
        var input = body
        let count = try input.readKafkaInt32()
        return version == 0 ? count > 0 : count >= 0
    }
}
