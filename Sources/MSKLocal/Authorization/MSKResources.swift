/// The ARNs of an MSK cluster's resources, as MSK's IAM access control names them in policies:
/// `arn:aws:kafka:<region>:<account>:cluster/<cluster-name>/<cluster-uuid>` and `topic/`,
/// `group/` and `transactional-id/` under the same cluster name and uuid.
public struct MSKResources: Sendable, Equatable {
    /// The cluster's region.
    public let region: String
    /// The account that owns the cluster.
    public let accountID: String
    /// The cluster's name.
    public let clusterName: String
    /// The cluster's uuid, as MSK prints it in ARNs (`<uuid>-<n>`).
    public let clusterUUID: String

    /// Creates the naming for one cluster.
    public init(region: String, accountID: String, clusterName: String, clusterUUID: String) {
        self.region = region
        self.accountID = accountID
        self.clusterName = clusterName
        self.clusterUUID = clusterUUID
    }

    private var prefix: String { "arn:aws:kafka:\(region):\(accountID)" }

    /// The cluster itself (`kafka-cluster:Connect`, `WriteDataIdempotently`, ...).
    public var cluster: String { "\(prefix):cluster/\(clusterName)/\(clusterUUID)" }

    /// A topic (`WriteData`, `ReadData`, `DescribeTopic`, ...).
    public func topic(_ name: String) -> String { "\(prefix):topic/\(clusterName)/\(clusterUUID)/\(name)" }

    /// A consumer group (`AlterGroup`, `DescribeGroup`).
    public func group(_ id: String) -> String { "\(prefix):group/\(clusterName)/\(clusterUUID)/\(id)" }

    /// A transactional id (`AlterTransactionalId`, `DescribeTransactionalState`).
    public func transactionalID(_ id: String) -> String { "\(prefix):transactional-id/\(clusterName)/\(clusterUUID)/\(id)" }
}

/// The `kafka-cluster:` actions the gateway checks, with the resource kind each applies to.
public enum MSKAction: String, Sendable, CaseIterable {
    case connect = "kafka-cluster:Connect"
    case describeTopic = "kafka-cluster:DescribeTopic"
    case writeData = "kafka-cluster:WriteData"
    case readData = "kafka-cluster:ReadData"
    case writeDataIdempotently = "kafka-cluster:WriteDataIdempotently"
    case createTopic = "kafka-cluster:CreateTopic"
    case alterGroup = "kafka-cluster:AlterGroup"
    case describeGroup = "kafka-cluster:DescribeGroup"
    case alterTransactionalID = "kafka-cluster:AlterTransactionalId"
    case describeTransactionalState = "kafka-cluster:DescribeTransactionalState"
}
