import Foundation
import MSKLocal
import Testing
import TestSupport

/// What an unauthenticated client can make the gateway hold is bounded, as a broker bounds it:
/// connections that do not authenticate in time are closed, a listener takes no more than its
/// cap, a frame over the pre-authentication limit closes the connection before it is read, and
/// a broker that is down closes new connections at once. Each is checked with a raw socket.
@Suite(.timeLimit(.minutes(1)))
struct GatewayBoundsTests {
    static func start(_ limits: (inout GatewayLimits) -> Void) async throws -> MSKLocalServer {
        var configuration = MSKLocalConfiguration()
        configuration.brokers = 1
        limits(&configuration.gatewayLimits)
        configuration.logger = MSKLocalFixture.quiet
        return try await MSKLocalServer.start(configuration)
    }

    /// Waits until the gateway has accepted `count` connections (connect() returns as soon as
    /// the kernel has one, before the gateway sees it, and in no promised order).
    static func waitForOpenConnections(_ local: MSKLocalServer, _ count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while local.counters.snapshot.connectionsOpen < count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(local.counters.snapshot.connectionsOpen == count)
    }

    static func port(_ local: MSKLocalServer) throws -> Int {
        let port = local.endpoints.bootstrapServers.split(separator: ":").last.flatMap { Int($0) }
        return try #require(port)
    }

    @Test func aConnectionThatDoesNotAuthenticateInTimeIsClosed() async throws {
        let local = try await Self.start { $0.authenticationTimeout = .seconds(1) }
        let connection = try RawTCPConnection(port: try Self.port(local))
        #expect(!connection.closedByPeer(within: .milliseconds(500)), "closed before the deadline")
        #expect(connection.closedByPeer(within: .seconds(5)), "still open 5 s after a 1-s authentication deadline")
        #expect(local.counters.snapshot.authenticationTimeouts == 1)
        await local.shutdown()
    }

    @Test func aListenerTakesNoMoreThanItsCap() async throws {
        let local = try await Self.start { $0.maximumConnectionsPerListener = 2 }
        let port = try Self.port(local)
        var held: [RawTCPConnection] = []
        for count in 1...2 {
            held.append(try RawTCPConnection(port: port))
            try await Self.waitForOpenConnections(local, count)
        }
        let third = try RawTCPConnection(port: port)
        #expect(third.closedByPeer(within: .seconds(5)), "a connection over the cap stayed open")
        #expect(held.allSatisfy { !$0.closedByPeer(within: .milliseconds(200)) }, "the connections under the cap were closed")
        #expect(local.counters.snapshot.connectionsRefusedOverLimit == 1)
        await local.shutdown()
    }

    @Test func aFrameOverThePreAuthenticationLimitClosesTheConnectionUnread() async throws {
        let local = try await Self.start { _ in }
        let connection = try RawTCPConnection(port: try Self.port(local))
        // 600 KiB announced, 8 bytes sent: the size alone must close it (nothing is buffered).
        connection.send([0x00, 0x09, 0x60, 0x00, 0, 36, 0, 1])
        #expect(connection.closedByPeer(within: .seconds(5)))
        #expect(local.counters.snapshot.malformedFrames == 1)
        await local.shutdown()
    }

    @Test func aBrokerThatIsDownClosesNewConnectionsAtOnceAndTakesThemAgainWhenUp() async throws {
        let local = try await Self.start { _ in }
        let port = try Self.port(local)
        let before = try RawTCPConnection(port: port)
        try await Self.waitForOpenConnections(local, 1)
        try local.actions.setBroker(1, up: false)
        #expect(before.closedByPeer(within: .seconds(5)), "an open connection survived its broker going down")
        #expect(try RawTCPConnection(port: port).closedByPeer(within: .seconds(5)), "a new connection to a broker that is down stayed open")
        try local.actions.setBroker(1, up: true)
        #expect(!(try RawTCPConnection(port: port)).closedByPeer(within: .milliseconds(500)), "the broker did not come back")
        #expect(local.counters.snapshot.connectionsRefusedBrokerDown == 1)
        await local.shutdown()
    }
}
