import AWSAuth
import Foundation
import MSKKafkaTesting
import NIOCore
import NIOPosix
import NIOSSL

/// A running msk-local: librdkafka's mock cluster behind a SASL/OAUTHBEARER gateway that
/// validates MSK IAM tokens, plus STS, IMDSv2, ECS and control endpoints on one HTTP port.
///
/// ```swift
/// var configuration = MSKLocalConfiguration()
/// configuration.maximumCredentialLifetime = 30
/// let local = try await MSKLocalServer.start(configuration)
/// defer { Task { await local.shutdown() } }
/// print(local.endpoints.bootstrapServers)
/// ```
public final class MSKLocalServer: Sendable {
    /// Where everything listens.
    public let endpoints: MSKLocalEndpoints
    /// What happened so far.
    public let counters: MSKLocalCounters
    /// Faults on demand, each recorded in ``events`` (also reachable through the control API).
    public let actions: FaultActions
    /// The faults applied so far.
    public var events: MSKLocalEventLog { actions.events }
    /// The fault switches the gateway and STS consult (prefer ``actions``: it records events).
    public var faults: MSKLocalFaults { actions.faults }
    /// The upstream mock cluster (topics, request errors). Take brokers down with ``actions``
    /// (at the gateway), never on the mock.
    public let cluster: MockKafkaCluster
    /// Every key msk-local accepts.
    public let registry: CredentialRegistry
    /// The OpenID Connect provider whose web identity tokens msk-local's STS accepts.
    public let oidc: LocalOIDCIssuer
    /// IAM authorization: the policies in force, the decisions made (also reachable through
    /// the control API).
    public let authorizer: MSKAuthorizer

    private let configuration: MSKLocalConfiguration
    private let gateway: KafkaGateway
    private let http: LocalHTTPServer
    private let group: MultiThreadedEventLoopGroup
    private let scheduledFaults: Task<Void, Never>?

    /// Starts everything; throws ``MSKLocalError`` on a bad configuration or a port in use.
    public static func start(_ configuration: MSKLocalConfiguration = MSKLocalConfiguration()) async throws -> MSKLocalServer {
        try configuration.validate()
        let cluster = try MockKafkaCluster(brokers: configuration.brokers)
        for topic in configuration.topics { cluster.createTopic(topic.name, partitions: Int32(topic.partitions)) }
        let counters = MSKLocalCounters()
        let faults = MSKLocalFaults()
        let registry = CredentialRegistry(source: configuration.sourceCredentials)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let resources = MSKResources(region: configuration.region, accountID: CredentialRegistry.accountID,
                                     clusterName: configuration.clusterName, clusterUUID: configuration.clusterUUID)
        let authorizer = MSKAuthorizer(resources: resources, defaultPolicy: configuration.defaultPolicy, policies: configuration.policies)

        let shared = GatewayShared(
            authentication: .mskIAM(MSKTokenValidator(region: configuration.region, allowedClockSkew: configuration.allowedClockSkew,
                                                      minimumSessionLifetime: configuration.minimumSessionLifetime, registry: registry)),
            limits: configuration.gatewayLimits, faults: faults, counters: counters, logger: configuration.logger, authorizer: authorizer
        )
        var tls: (context: NIOSSLContext, caFile: String)?
        if configuration.tls {
            do {
                let files = try configuration.tlsCertificatePath.map { LocalCertificate(certificatePath: $0, privateKeyPath: configuration.tlsPrivateKeyPath!) }
                    ?? LocalCertificate.generate()
                let chain = try NIOSSLCertificate.fromPEMFile(files.certificatePath).map { NIOSSLCertificateSource.certificate($0) }
                let key = try NIOSSLPrivateKey(file: files.privateKeyPath, format: .pem)
                tls = (try NIOSSLContext(configuration: .makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))), files.certificatePath)
            } catch let error as MSKLocalError {
                try? await group.shutdownGracefully()
                throw error
            } catch {
                try? await group.shutdownGracefully()
                throw MSKLocalError.invalidConfiguration(name: "tls", reason: "\(error)")
            }
        }
        let gateway: KafkaGateway
        do {
            gateway = try await KafkaGateway.start(
                upstreams: cluster.bootstrapServers.split(separator: ",").map(String.init),
                host: configuration.host, ports: configuration.gatewayPorts, tls: tls?.context, shared: shared, group: group
            )
        } catch {
            try? await group.shutdownGracefully()
            throw MSKLocalError.bindFailed(what: "the gateway", reason: "\(error)")
        }

        let oidc = LocalOIDCIssuer()
        let sts = LocalSTS(
            roleARNs: configuration.roleARNs, minimumDuration: configuration.minimumDurationSeconds,
            maximumLifetime: configuration.maximumCredentialLifetime, registry: registry, oidc: oidc, faults: faults, counters: counters
        )
        let tokenFile = configuration.webIdentityTokenFile.map {
            WebIdentityTokenFile(path: $0, subject: "system:serviceaccount:default:msk-local", lifetime: configuration.webIdentityTokenLifetime, issuer: oidc)
        }
        if let tokenFile {
            do {
                try tokenFile.writeToken()
            } catch {
                await gateway.shutdown()
                try? await group.shutdownGracefully()
                throw error
            }
        }
        let instance = LocalInstanceCredentials(
            roleName: configuration.instanceRoleName, lifetime: configuration.instanceCredentialLifetime,
            containerAuthorizationToken: configuration.containerAuthorizationToken,
            registry: registry, faults: faults, counters: counters, sessionTokens: IMDSSessionTokens()
        )
        let actions = FaultActions(faults: faults, events: MSKLocalEventLog(), gateway: gateway, brokerCount: configuration.brokers)
        let control = ControlAPI(actions: actions, counters: counters, cluster: cluster, oidc: oidc, authorizer: authorizer)
        let http: LocalHTTPServer
        do {
            http = try await LocalHTTPServer.start(host: configuration.host, port: configuration.httpPort, group: group) { request in
                if request.path.hasPrefix("/control/") { return control.handle(request) }
                if request.path.hasPrefix("/latest/") { return instance.imds(request) }
                if request.path == "/ecs/credentials" { return instance.container(request) }
                if request.path == "/" { return sts.handle(request) }
                if request.path == "/oidc/keys" { return .json(200, oidc.jwks) }
                return .text(404, "no such endpoint: \(request.path)")
            }
        } catch {
            await gateway.shutdown()
            try? await group.shutdownGracefully()
            throw MSKLocalError.bindFailed(what: "the HTTP endpoints", reason: "\(error)")
        }

        var endpoints = MSKLocalEndpoints(
            bootstrapServers: gateway.listenAddresses.joined(separator: ","),
            securityProtocol: tls == nil ? "SASL_PLAINTEXT" : "SASL_SSL",
            caFile: tls?.caFile,
            rawBootstrapServers: cluster.bootstrapServers,
            stsURL: http.baseURL + "/",
            imdsURL: http.baseURL,
            ecsURL: http.baseURL + "/ecs/credentials",
            controlURL: http.baseURL + "/control",
            region: configuration.region,
            accessKeyID: configuration.sourceCredentials.accessKeyID,
            secretAccessKey: configuration.sourceCredentials.secretAccessKey,
            roleARNs: configuration.roleARNs
        )
        endpoints.clusterARN = resources.cluster
        endpoints.oidcIssuer = oidc.issuer
        endpoints.oidcKeysURL = http.baseURL + "/oidc/keys"
        endpoints.webIdentityTokenFile = configuration.webIdentityTokenFile
        let schedule = configuration.faultSchedule
        let logger = configuration.logger
        let scheduled: Task<Void, Never>? = schedule.isEmpty && tokenFile == nil ? nil : Task {
            await withTaskGroup(of: Void.self) { group in
                if !schedule.isEmpty { group.addTask { await schedule.run(actions, brokers: configuration.brokers) } }
                if let tokenFile { group.addTask { await tokenFile.rotate(logger: logger) } }
            }
        }
        return MSKLocalServer(endpoints: endpoints, counters: counters, actions: actions, cluster: cluster, registry: registry, oidc: oidc,
                              authorizer: authorizer, configuration: configuration, gateway: gateway, http: http, group: group, scheduledFaults: scheduled)
    }

    private init(endpoints: MSKLocalEndpoints, counters: MSKLocalCounters, actions: FaultActions, cluster: MockKafkaCluster, registry: CredentialRegistry, oidc: LocalOIDCIssuer,
                 authorizer: MSKAuthorizer, configuration: MSKLocalConfiguration, gateway: KafkaGateway, http: LocalHTTPServer, group: MultiThreadedEventLoopGroup,
                 scheduledFaults: Task<Void, Never>?) {
        self.endpoints = endpoints
        self.counters = counters
        self.actions = actions
        self.scheduledFaults = scheduledFaults
        self.cluster = cluster
        self.registry = registry
        self.oidc = oidc
        self.authorizer = authorizer
        self.configuration = configuration
        self.gateway = gateway
        self.http = http
        self.group = group
    }

    /// Closes every client connection through the gateway now; returns how many there were.
    @discardableResult
    public func dropAllConnections() -> Int {
        actions.dropConnections()
    }

    /// The environment file for ``MSKLocalEndpoints/environmentFile(containerAuthorizationToken:)``.
    public var environmentFile: String {
        endpoints.environmentFile(containerAuthorizationToken: configuration.containerAuthorizationToken)
    }

    /// Stops listening, closes every connection and stops the event loops.
    public func shutdown() async {
        scheduledFaults?.cancel()
        await gateway.shutdown()
        await http.shutdown()
        try? await group.shutdownGracefully()
    }
}
