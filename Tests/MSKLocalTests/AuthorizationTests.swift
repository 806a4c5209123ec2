import AWSAuth
import Foundation
import MSKKafka
import MSKLocal
import Testing
import TestSupport

/// msk-local's IAM authorization with real clients: a policy decides, request by request, what
/// an authenticated principal may do; denials reach the client as the broker's Kafka errors
/// and `/control/decisions` names the missing action and resource.
@Suite(.timeLimit(.minutes(2)))
struct AuthorizationTests {
    /// A policy allowing `actions` on `resources` (ARN patterns).
    static func policy(_ statements: [(effect: String, actions: [String], resources: [String])]) throws -> IAMPolicy {
        let document: [String: Any] = [
            "Version": "2012-10-17",
            "Statement": statements.enumerated().map { index, statement in
                ["Sid": "s\(index)", "Effect": statement.effect, "Action": statement.actions, "Resource": statement.resources]
            },
        ]
        return try IAMPolicy(json: Array(try JSONSerialization.data(withJSONObject: document)))
    }

    /// The outcome of an async throwing call.
    static func outcome<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    static func start(topics: [(String, Int)], policy: IAMPolicy) async throws -> MSKLocalServer {
        var configuration = MSKLocalConfiguration()
        configuration.brokers = 1
        configuration.maximumCredentialLifetime = nil
        configuration.topics = topics.map { (name: $0.0, partitions: $0.1) }
        configuration.defaultPolicy = policy
        configuration.logger = MSKLocalFixture.quiet
        return try await MSKLocalServer.start(configuration)
    }

    static func cluster(_ local: MSKLocalServer) -> String { local.authorizer.resources.cluster }
    static func topic(_ local: MSKLocalServer, _ name: String) -> String { local.authorizer.resources.topic(name) }

    static func producer(_ local: MSKLocalServer, idempotence: Bool = true, messageTimeout: Duration = .seconds(20)) throws -> KafkaProducer {
        let credentials = try MSKLocalFixture.assumeRoleCache(local)
        var configuration = try MSKLocalFixture.producerConfiguration(local, credentials: credentials, tokenLifetime: 900, messageTimeout: messageTimeout,
                                                                       delivery: .init(maxRetries: 0))
        configuration.idempotence = idempotence
        return try KafkaProducer(configuration: configuration, logger: MSKLocalFixture.quiet)
    }

    /// The authorization failure `result` failed with, if that is how it failed.
    static func authorizationFailure<T>(_ result: Result<T, any Error>) -> KafkaAuthorizationFailure? {
        guard case .failure(let error) = result, case .authorization(let failure)? = error as? KafkaError else { return nil }
        return failure
    }

    @Test func aWriterWithoutWriteDataIdempotentlyFailsFastWithTheMissingActionAndDeadLetters() async throws {
        let local = try await Self.start(topics: [("orders", 1)], policy: .allowAll)
        let writer = try Self.policy([
            ("Allow", ["kafka-cluster:Connect", "kafka-cluster:DescribeCluster"], [Self.cluster(local)]),
            ("Allow", ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"], [Self.topic(local, "*")]),
        ])
        try local.authorizer.setPolicy(writer, for: nil)
        let deadLetters = FileManager.default.temporaryDirectory.appendingPathComponent("authz-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: deadLetters) }
        let credentials = try MSKLocalFixture.assumeRoleCache(local)
        // Retries allowed, and a long message timeout: neither may stretch a final refusal.
        let configuration = try MSKLocalFixture.producerConfiguration(local, credentials: credentials, tokenLifetime: 900, messageTimeout: .seconds(60),
                                                                       delivery: .init(maxRetries: 10, deadLetterPath: deadLetters))
        let producer = try KafkaProducer(configuration: configuration, logger: MSKLocalFixture.quiet)
        let started = ContinuousClock.now
        let result = await Self.outcome { try await producer.send(KafkaProducerMessage(topic: "orders", value: "x")) }
        // Well inside the 60-s message timeout (0.5 s on a quiet machine): refused at once, not
        // after retries or the timeout. The bound is loose because a loaded machine is slow.
        #expect(ContinuousClock.now - started < .seconds(30), "refused at once, not after retries or the message timeout")
        let failure = Self.authorizationFailure(result)
        #expect(failure?.action == "kafka-cluster:WriteDataIdempotently", "\(result)")
        #expect(failure?.hint.contains("idempotence: false") == true)
        // A later send fails the same way, at once.
        let again = await Self.outcome { try await producer.send(KafkaProducerMessage(topic: "orders", value: "y")) }
        #expect(Self.authorizationFailure(again)?.action == "kafka-cluster:WriteDataIdempotently", "\(again)")
        let letters = try DeadLetterFile.read(path: deadLetters)
        #expect(letters.map { String(decoding: $0.message.value, as: UTF8.self) } == ["x", "y"])
        #expect(letters.allSatisfy { $0.error.contains("kafka-cluster:WriteDataIdempotently") })
        let denials = local.authorizer.denials(since: 0).denials
        #expect(denials.contains { $0.action == "kafka-cluster:WriteDataIdempotently" && $0.resource == Self.cluster(local) }, "\(denials)")
        await producer.shutdown(timeout: .milliseconds(100))
        await local.shutdown()
    }

    @Test func aDeniedTopicFailsWhileAnAllowedOneInTheSameRequestDelivers() async throws {
        let local = try await Self.start(topics: [("orders", 1), ("audit", 1)], policy: .allowAll)
        try local.authorizer.setPolicy(try Self.policy([
            ("Allow", ["kafka-cluster:Connect", "kafka-cluster:WriteDataIdempotently"], [Self.cluster(local)]),
            ("Allow", ["kafka-cluster:DescribeTopic"], [Self.topic(local, "*")]),
            ("Allow", ["kafka-cluster:WriteData"], [Self.topic(local, "ord?rs")]),
        ]), for: nil)
        let producer = try Self.producer(local)
        async let allowed = Self.outcome { try await producer.send(KafkaProducerMessage(topic: "orders", value: "kept")) }
        async let denied = Self.outcome { try await producer.send(KafkaProducerMessage(topic: "audit", value: "refused")) }
        let (good, bad) = await (allowed, denied)
        #expect((try? good.get()) != nil, "\(good)")
        let failure = Self.authorizationFailure(bad)
        #expect(failure?.action == "kafka-cluster:WriteData" && failure?.resource == "topic 'audit'", "\(bad)")
        let denials = local.authorizer.denials(since: 0).denials
        #expect(denials.contains { $0.action == "kafka-cluster:WriteData" && $0.resource == Self.topic(local, "audit") && $0.kind == "implicit" })
        await producer.shutdown(timeout: .milliseconds(100))
        await local.shutdown()
    }

    static let writerRole = "arn:aws:iam::111122223333:role/writer"
    static let readerRole = "arn:aws:iam::111122223333:role/reader"

    /// msk-local with a writer and a reader role, each with its policy (no default: any other
    /// principal is denied everything).
    static func startWithRoles(topics: [(String, Int)], writer: (MSKResources) throws -> IAMPolicy, reader: (MSKResources) throws -> IAMPolicy) async throws -> MSKLocalServer {
        var configuration = MSKLocalConfiguration()
        configuration.brokers = 2
        configuration.maximumCredentialLifetime = nil
        configuration.topics = topics.map { (name: $0.0, partitions: $0.1) }
        configuration.roleARNs = [writerRole, readerRole]
        let resources = MSKResources(region: configuration.region, accountID: CredentialRegistry.accountID,
                                     clusterName: configuration.clusterName, clusterUUID: configuration.clusterUUID)
        configuration.policies = [writerRole: try writer(resources), readerRole: try reader(resources)]
        configuration.logger = MSKLocalFixture.quiet
        return try await MSKLocalServer.start(configuration)
    }

    static func writerPolicy(_ resources: MSKResources, idempotently: Bool = true) throws -> IAMPolicy {
        try policy([
            ("Allow", ["kafka-cluster:Connect"] + (idempotently ? ["kafka-cluster:WriteDataIdempotently"] : []), [resources.cluster]),
            ("Allow", ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData"], [resources.topic("*")]),
        ])
    }

    /// Reads every topic but `unreadable`, in any group.
    static func readerPolicy(_ resources: MSKResources, unreadable: String) throws -> IAMPolicy {
        try policy([
            ("Allow", ["kafka-cluster:Connect"], [resources.cluster]),
            ("Allow", ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"], [resources.topic("*")]),
            ("Deny", ["kafka-cluster:ReadData"], [resources.topic(unreadable)]),
            ("Allow", ["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"], [resources.group("*")]),
        ])
    }

    static func roleCache(_ local: MSKLocalServer, role: String) throws -> RefreshingCredentialCache {
        let source = StaticCredentialProvider(AWSCredentials(accessKeyID: local.endpoints.accessKeyID, secretAccessKey: local.endpoints.secretAccessKey))
        let provider = try STSAssumeRoleCredentialProvider(roleARN: role, roleSessionName: "authz", sourceCredentials: source,
                                                           region: local.endpoints.region, endpoint: try MSKLocalFixture.url(local.endpoints.stsURL))
        return try RefreshingCredentialCache(provider: provider, logger: MSKLocalFixture.quiet)
    }

    @Test func aReaderDeniedOneTopicStillReadsTheOthersInItsGroup() async throws {
        let local = try await Self.startWithRoles(topics: [("open", 2), ("secret", 1)], writer: { try Self.writerPolicy($0) },
                                                  reader: { try Self.readerPolicy($0, unreadable: "secret") })
        let producer = try KafkaProducer(configuration: try MSKLocalFixture.producerConfiguration(local, credentials: try Self.roleCache(local, role: Self.writerRole), tokenLifetime: 900),
                                         logger: MSKLocalFixture.quiet)
        for index in 0..<20 {
            _ = try await producer.send(KafkaProducerMessage(topic: "open", key: "k\(index % 4)", value: "open-\(index)"))
            _ = try await producer.send(KafkaProducerMessage(topic: "secret", value: "secret-\(index)"))
        }
        await producer.shutdown()
        let (logger, logs) = CapturingLogHandler.logger()
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(
            connection: try MSKLocalFixture.connection(local, credentials: try Self.roleCache(local, role: Self.readerRole)),
            groupID: "readers"
        ), logger: logger)
        try consumer.subscribe(topics: ["open", "secret"])
        let messages = await consumer.read(20, within: .seconds(60))
        #expect(Set(messages.map(\.valueString)) == Set((0..<20).map { "open-\($0)" }))
        try consumer.commit(try #require(messages.last))
        // The application's log says what is missing (the client reports it when it will: wait).
        let deadline = ContinuousClock.now + .seconds(20)
        while !logs.all.contains(where: { $0.contains("consumer not authorized") }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        consumer.close()
        #expect(logs.all.contains { $0.contains("consumer not authorized") && $0.contains("kafka-cluster:ReadData on topic 'secret'") },
                "\(logs.all.suffix(5))")
        let denials = local.authorizer.denials(since: 0).denials
        #expect(denials.contains { $0.action == "kafka-cluster:ReadData" && $0.resource.hasSuffix("/secret") && $0.kind == "explicit" && $0.statement == "s2" },
                "\(denials.prefix(3))")
        #expect(!denials.contains { $0.resource.hasSuffix("/open") }, "nothing on the readable topic was denied")
        await local.shutdown()
    }

    @Test func aPolicyRevokedMidRunTakesEffectOnTheNextRequest() async throws {
        let local = try await Self.start(topics: [("orders", 1)], policy: .allowAll)
        let producer = try Self.producer(local)
        for index in 0..<5 { _ = try await producer.send(KafkaProducerMessage(topic: "orders", value: "before-\(index)")) }
        // As an operator would: the role loses WriteData, through the control API.
        let revoked = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kafka-cluster:*","Resource":"*"},"# +
            #"{"Sid":"NoMoreWrites","Effect":"Deny","Action":"kafka-cluster:WriteData","Resource":"*"}]}"#
        var request = HTTPRequest(method: "PUT", url: try MSKLocalFixture.url(local.endpoints.controlURL + "/policies"))
        request.body = Data(revoked.utf8)
        let response = try await URLSessionHTTPTransport().send(request)
        #expect(response.status == 200, "\(String(decoding: response.body, as: UTF8.self))")
        let result = await Self.outcome { try await producer.send(KafkaProducerMessage(topic: "orders", value: "after")) }
        #expect(Self.authorizationFailure(result)?.name == "TOPIC_AUTHORIZATION_FAILED", "\(result)")
        let denials = local.authorizer.denials(since: 0).denials
        #expect(denials.count >= 1 && denials.allSatisfy { $0.action == "kafka-cluster:WriteData" && $0.statement == "NoMoreWrites" })
        await producer.shutdown(timeout: .milliseconds(100))
        await local.shutdown()
    }

    @Test func theControlAPIRefusesABadPolicyAndListsDenialsSinceASequenceNumber() async throws {
        let local = try await Self.start(topics: [("orders", 1)], policy: try Self.policy([("Allow", ["kafka-cluster:Connect"], ["*"])]))
        let transport = URLSessionHTTPTransport()
        func send(_ method: String, _ path: String, _ body: String? = nil) async throws -> (Int, String) {
            var request = HTTPRequest(method: method, url: try MSKLocalFixture.url(local.endpoints.controlURL + path), timeout: .seconds(10))
            request.body = Data((body ?? "").utf8)
            let response = try await transport.send(request)
            return (response.status, String(decoding: response.body, as: UTF8.self))
        }
        let (badStatus, badBody) = try await send("PUT", "/policies", #"{"Statement":[{"Effect":"Allow","Action":"kafka-cluster:*","Resource":"*","Condition":{}}]}"#)
        #expect(badStatus == 400 && badBody.contains("Condition"), "\(badBody)")
        let (roleStatus, _) = try await send("PUT", "/policies?role=not-an-arn", #"{"Statement":[]}"#)
        #expect(roleStatus == 400)
        // Two denied sends: the second listing, from the first's `next`, has only newer denials.
        let producer = try Self.producer(local, idempotence: false, messageTimeout: .seconds(30))
        _ = await Self.outcome { try await producer.send(KafkaProducerMessage(topic: "orders", value: "1")) }
        let (_, first) = try await send("GET", "/decisions")
        let firstNext = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])["next"] as? Int
        #expect(first.contains("kafka-cluster:DescribeTopic") || first.contains("kafka-cluster:WriteData"), "\(first.prefix(500))")
        let (_, second) = try await send("GET", "/decisions?since=\(try #require(firstNext))")
        let secondDenials = try #require(try JSONSerialization.jsonObject(with: Data(second.utf8)) as? [String: Any])["denials"] as? [[String: Any]]
        #expect(secondDenials?.allSatisfy { ($0["sequence"] as? Int ?? 0) > firstNext ?? 0 } == true)
        let (_, summary) = try await send("GET", "/policies")
        #expect(summary.contains(#""enforcing":true"#) && summary.contains(local.authorizer.resources.cluster), "\(summary)")
        await producer.shutdown(timeout: .milliseconds(100))
        await local.shutdown()
    }

    /// What the control API can make msk-local hold is bounded: a body over 1 MiB is answered
    /// 413, and a policy for one ARN more than ``MSKAuthorizer/maximumPolicies`` 409 — each with
    /// its reason; replacing a held ARN's policy, or removing one, still works at the bound.
    @Test func theControlAPIBoundsWhatItHolds() async throws {
        let local = try await Self.start(topics: [("orders", 1)], policy: .allowAll)
        let transport = URLSessionHTTPTransport()
        func send(_ method: String, _ path: String, _ body: Data = Data()) async throws -> (Int, String) {
            var request = HTTPRequest(method: method, url: try MSKLocalFixture.url(local.endpoints.controlURL + path), timeout: .seconds(10))
            request.body = body
            let response = try await transport.send(request)
            return (response.status, String(decoding: response.body, as: UTF8.self))
        }
        let (tooLarge, reason) = try await send("PUT", "/policies", Data(repeating: UInt8(ascii: " "), count: 3 << 20))
        #expect(tooLarge == 413 && reason.contains("request body too large"), "\(tooLarge) \(reason)")

        for index in 0..<MSKAuthorizer.maximumPolicies { try local.authorizer.setPolicy(.allowAll, for: "arn:aws:iam::111122223333:role/r\(index)") }
        let policy = Data(#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kafka-cluster:*","Resource":"*"}]}"#.utf8)
        let role = { (name: String) in "/policies?role=" + "arn:aws:iam::111122223333:role/\(name)" }
        let (full, fullReason) = try await send("PUT", role("one-more"), policy)
        #expect(full == 409 && fullReason.contains("at most 1000"), "\(full) \(fullReason)")
        #expect(try await send("PUT", role("r7"), policy).0 == 200, "replacing a held ARN's policy")
        #expect(try await send("DELETE", role("r7")).0 == 200)
        #expect(try await send("PUT", role("one-more"), policy).0 == 200, "room again after a removal")
        await local.shutdown()
    }

    @Test func aCommitToAGroupThePolicyDoesNotAllowFailsWithTheMissingAction() async throws {
        let local = try await Self.start(topics: [("open", 1)], policy: .allowAll)
        let producer = try Self.producer(local)
        _ = try await producer.send(KafkaProducerMessage(topic: "open", value: "one"))
        await producer.shutdown()
        // Reads by assignment (no group to join) but may not commit in any group.
        try local.authorizer.setPolicy(try Self.policy([
            ("Allow", ["kafka-cluster:Connect"], [Self.cluster(local)]),
            ("Allow", ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"], [Self.topic(local, "*")]),
            ("Allow", ["kafka-cluster:DescribeGroup"], [local.authorizer.resources.group("*")]),
        ]), for: nil)
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(
            connection: try MSKLocalFixture.connection(local, credentials: try MSKLocalFixture.assumeRoleCache(local)),
            groupID: "committers"
        ), logger: MSKLocalFixture.quiet)
        try consumer.assign([(topic: "open", partition: 0, offset: KafkaConsumer.beginning)])
        let message = try #require(await consumer.read(1, within: .seconds(30)).first)
        let result = Result { try consumer.commit(message) }
        consumer.close()
        let failure = Self.authorizationFailure(result.mapError { $0 as any Error })
        #expect(failure?.action == "kafka-cluster:AlterGroup" && failure?.name == "GROUP_AUTHORIZATION_FAILED", "\(result)")
        #expect(local.authorizer.denials(since: 0).denials.contains { $0.action == "kafka-cluster:AlterGroup" && $0.resource.hasSuffix("/committers") })
        await local.shutdown()
    }

    struct ConfluentProduceReport: Decodable {
        let delivered: Int
        let failed: [String]
        let fatal: String?
        let seconds: Double
    }

    struct ConfluentConsumeReport: Decodable {
        let read: [String: Int]
        let errors: [String]
    }

    @Test(.enabled(if: OtherKafkaClientsTests.confluentKafkaAvailable || ProcessInfo.processInfo.environment["CI"] != nil,
                   "python3 with confluent-kafka is not installed (run ./scripts/bootstrap.sh)"))
    func confluentKafkaWithTheOfficialSignerMeetsTheSamePolicies() async throws {
        let local = try await Self.startWithRoles(topics: [("open", 2), ("secret", 1)], writer: { try Self.writerPolicy($0, idempotently: false) },
                                                  reader: { try Self.readerPolicy($0, unreadable: "secret") })
        let line = String(decoding: try JSONEncoder().encode(local.endpoints), as: UTF8.self)
        let script = PackagePaths.fixture("confluent_authorization.py", target: "MSKLocalTests").path
        // An idempotent producer whose role lacks WriteDataIdempotently: a fatal error, fast.
        let produced = try await ChildProcess.run("python3", [script, line, Self.writerRole, "produce", "open"])
        #expect(produced.status == 0, "\(produced.stderr.suffix(2000))")
        let produceReport = try JSONDecoder().decode(ConfluentProduceReport.self, from: produced.stdout)
        #expect(produceReport.delivered == 0)
        #expect(produceReport.fatal?.contains("CLUSTER_AUTHORIZATION_FAILED") == true || produceReport.fatal?.contains("Cluster authorization failed") == true,
                "\(produceReport)")
        #expect(produceReport.seconds < 20, "refused at once, not after the message timeout: \(produceReport.seconds) s")

        // Messages in both topics (written by this project's producer, not idempotent, as the
        // writer's policy allows), then the reader, denied one topic, reads the other.
        var configuration = try MSKLocalFixture.producerConfiguration(local, credentials: try Self.roleCache(local, role: Self.writerRole), tokenLifetime: 900)
        configuration.idempotence = false
        let producer = try KafkaProducer(configuration: configuration, logger: MSKLocalFixture.quiet)
        for index in 0..<30 {
            _ = try await producer.send(KafkaProducerMessage(topic: "open", key: "k\(index % 3)", value: "o\(index)"))
            _ = try await producer.send(KafkaProducerMessage(topic: "secret", value: "s\(index)"))
        }
        await producer.shutdown()
        let consumed = try await ChildProcess.run("python3", [script, line, Self.readerRole, "consume", "open,secret", "30", "40"])
        #expect(consumed.status == 0, "\(consumed.stderr.suffix(2000))")
        let consumeReport = try JSONDecoder().decode(ConfluentConsumeReport.self, from: consumed.stdout)
        #expect(consumeReport.read == ["open": 30], "\(consumeReport)")
        // Whether the client reports the refusal before it has read the 30 is its business;
        // that the gateway refused it is msk-local's.
        let denials = local.authorizer.denials(since: 0).denials
        #expect(denials.contains { $0.principal.contains(":assumed-role/reader/") && $0.action == "kafka-cluster:ReadData" && $0.resource.hasSuffix("/secret") },
                "\(denials.prefix(3)) \(consumeReport.errors)")
        await local.shutdown()
    }
}
