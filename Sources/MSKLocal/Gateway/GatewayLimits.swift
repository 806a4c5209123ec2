/// The bounds every gateway connection lives within, as a broker has them: what an
/// unauthenticated client can make the gateway hold, and how long it may hold it.
public struct GatewayLimits: Sendable {
    /// Open client connections per listener (one listener per broker). MSK allows 3,000 IAM
    /// connections per broker; past the cap a new connection is closed at once.
    public var maximumConnectionsPerListener = 3_000
    /// New authenticated connections per second per listener, as MSK limits them (its
    /// documentation has given 20/s, 4/s on kafka.t3.small, and higher figures since); past
    /// it a connection's first authentication is refused as "Too many connects". `nil`: no limit.
    public var maximumNewConnectionsPerSecond: Int?
    /// The largest request frame read before authentication. Kafka's own SASL server allows
    /// 512 KiB (`SaslServerAuthenticator`'s `MAX_RECEIVE_SIZE`); an OAUTHBEARER token is a few KiB.
    public var maximumFrameSizeBeforeAuthentication = 512 * 1024
    /// The largest request frame read once authenticated (Kafka's `socket.request.max.bytes`).
    public var maximumFrameSize = 100 * 1024 * 1024
    /// A connection that has not authenticated this long after it opened is closed.
    public var authenticationTimeout: Duration = .seconds(30)
    /// A connection with no traffic either way this long is closed (Kafka's
    /// `connections.max.idle.ms`, 10 minutes).
    public var idleTimeout: Duration = .seconds(600)
    /// Requests not yet answered, per connection; reading pauses at the cap and resumes as
    /// answers go out.
    public var maximumRequestsInFlight = 1_000
    /// The same before authentication, when the gateway answers everything itself (ApiVersions,
    /// SASL) and only an authentication delay can hold an answer back.
    public var maximumRequestsInFlightBeforeAuthentication = 4

    /// The defaults above.
    public init() {}

    func validate() throws(MSKLocalError) {
        guard (1...1_000_000).contains(maximumConnectionsPerListener) else {
            throw .invalidConfiguration(name: "maximumConnectionsPerListener", reason: "\(maximumConnectionsPerListener) is outside 1...1000000")
        }
        guard (64...maximumFrameSize).contains(maximumFrameSizeBeforeAuthentication), maximumFrameSize <= Int(Int32.max) else {
            throw .invalidConfiguration(name: "maximumFrameSize", reason: "needs 64 <= before authentication (\(maximumFrameSizeBeforeAuthentication)) <= after (\(maximumFrameSize)) <= \(Int32.max)")
        }
        guard authenticationTimeout > .zero, idleTimeout > .zero else {
            throw .invalidConfiguration(name: "timeouts", reason: "the authentication and idle timeouts must be positive")
        }
        if let rate = maximumNewConnectionsPerSecond, !(1...100_000).contains(rate) {
            throw .invalidConfiguration(name: "maximumNewConnectionsPerSecond", reason: "\(rate) is outside 1...100000")
        }
        guard maximumRequestsInFlight >= 1, maximumRequestsInFlightBeforeAuthentication >= 1 else {
            throw .invalidConfiguration(name: "maximumRequestsInFlight", reason: "must be at least 1")
        }
    }
}
