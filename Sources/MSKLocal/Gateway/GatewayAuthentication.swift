/// What a gateway demands of a client before it forwards anything but `ApiVersions`.
enum GatewayAuthentication: Sendable {
    /// SASL/OAUTHBEARER with an MSK IAM token, checked by the validator (msk-local).
    case mskIAM(MSKTokenValidator)
    /// Nothing: a plaintext front that only exists so that brokers can go down and up at a
    /// listener of ours (``LocalKafkaCluster``).
    case none
}
