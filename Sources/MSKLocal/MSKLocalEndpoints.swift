/// Where a running msk-local listens, and what it accepts: the JSON line `msk-local` prints.
public struct MSKLocalEndpoints: Sendable, Codable, Equatable {
    /// SASL/OAUTHBEARER (MSK IAM) bootstrap servers: the gateway.
    public let bootstrapServers: String
    /// `SASL_SSL` with TLS on, else `SASL_PLAINTEXT`.
    public let securityProtocol: String
    /// With TLS: the CA certificate clients trust (`ssl.ca.location`).
    public let caFile: String?
    /// The mock cluster's own PLAINTEXT listeners, for independent clients such as kcat.
    public let rawBootstrapServers: String
    /// The STS endpoint (`POST /`).
    public let stsURL: String
    /// The IMDSv2 endpoint (base URL, as `AWS_EC2_METADATA_SERVICE_ENDPOINT`).
    public let imdsURL: String
    /// The ECS container credentials endpoint (as `AWS_CONTAINER_CREDENTIALS_FULL_URI`).
    public let ecsURL: String
    /// The control API.
    public let controlURL: String
    /// The region tokens must be signed for.
    public let region: String
    /// The source access key id STS accepts.
    public let accessKeyID: String
    /// Its secret: a local, throw-away key that works nowhere else.
    public let secretAccessKey: String
    /// The roles STS lets callers assume.
    public let roleARNs: [String]
    /// The `iss` of the web identity tokens msk-local signs, the only ones its STS accepts.
    public var oidcIssuer: String?
    /// Its public keys (JWKS).
    public var oidcKeysURL: String?
    /// The file msk-local keeps a web identity token in, when asked to.
    public var webIdentityTokenFile: String?
    /// The cluster's ARN, under which IAM policies name its topics and groups
    /// (`arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>`).
    public var clusterARN: String?

    enum CodingKeys: String, CodingKey {
        case bootstrapServers = "bootstrap_servers"
        case rawBootstrapServers = "raw_bootstrap_servers"
        case securityProtocol = "security_protocol"
        case caFile = "ca_file"
        case stsURL = "sts_url"
        case imdsURL = "imds_url"
        case ecsURL = "ecs_url"
        case controlURL = "control_url"
        case region
        case accessKeyID = "access_key_id"
        case secretAccessKey = "secret_access_key"
        case roleARNs = "role_arns"
        case oidcIssuer = "oidc_issuer"
        case oidcKeysURL = "oidc_keys_url"
        case webIdentityTokenFile = "web_identity_token_file"
        case clusterARN = "cluster_arn"
    }

    /// Shell `export` lines that point the AWS default credential chain at msk-local (through
    /// its ECS endpoint) and name the cluster.
    public func environmentFile(containerAuthorizationToken: String?) -> String {
        var lines = [
            "export AWS_REGION=\(region)",
            "export AWS_CONTAINER_CREDENTIALS_FULL_URI=\(ecsURL)",
            "export AWS_EC2_METADATA_SERVICE_ENDPOINT=\(imdsURL)",
            "export MSK_LOCAL_STS_URL=\(stsURL)",
            "export MSK_LOCAL_BOOTSTRAP_SERVERS=\(bootstrapServers)",
            "export MSK_LOCAL_SECURITY_PROTOCOL=\(securityProtocol)",
            "export MSK_LOCAL_RAW_BOOTSTRAP_SERVERS=\(rawBootstrapServers)",
            "export MSK_LOCAL_CONTROL_URL=\(controlURL)",
            "export MSK_LOCAL_ROLE_ARN=\(roleARNs[0])",
        ]
        if let caFile { lines.append("export MSK_LOCAL_CA_FILE=\(caFile)") }
        if let webIdentityTokenFile { lines.append("export MSK_LOCAL_WEB_IDENTITY_TOKEN_FILE=\(webIdentityTokenFile)") }
        if let containerAuthorizationToken { lines.append("export AWS_CONTAINER_AUTHORIZATION_TOKEN=\(containerAuthorizationToken)") }
        return lines.joined(separator: "\n") + "\n"
    }
}
