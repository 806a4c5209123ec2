#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A plain TCP connection to a loopback port, for tests that need to see exactly when a
/// server closes a connection (a read of zero bytes), without any client library in between.
public final class RawTCPConnection {
    private let fd: Int32

    /// Connects to `127.0.0.1:port`; throws when the connection is refused.
    public init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw POSIXError(.ECONNREFUSED)
        }
    }

    deinit { close(fd) }

    /// Sends `bytes`; false when the peer has closed (EPIPE/ECONNRESET).
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { buffer in
            var sent = 0
            while sent < buffer.count {
                let result = Glibc.send(fd, buffer.baseAddress! + sent, buffer.count - sent, Int32(MSG_NOSIGNAL))
                if result <= 0 { return false }
                sent += result
            }
            return true
        }
    }

    /// Reads one Kafka frame (an INT32 size, then that many bytes) and returns it without its
    /// size, or `nil` when the peer closed or `timeout` passed first.
    public func readKafkaFrame(within timeout: Duration) -> [UInt8]? {
        guard let size = read(4, within: timeout) else { return nil }
        let length = Int(UInt32(size[0]) << 24 | UInt32(size[1]) << 16 | UInt32(size[2]) << 8 | UInt32(size[3]))
        return read(length, within: timeout)
    }

    private func read(_ count: Int, within timeout: Duration) -> [UInt8]? {
        let deadline = ContinuousClock.now + timeout
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: min(max(count, 1), 65_536))
        while bytes.count < count, ContinuousClock.now < deadline {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 100) > 0 else { continue }
            let received = recv(fd, &buffer, min(buffer.count, count - bytes.count), 0)
            if received <= 0 { return nil }
            bytes += buffer[0..<received]
        }
        return bytes.count == count ? bytes : nil
    }

    /// Waits up to `timeout` for the peer to close, discarding whatever it sends; true when it
    /// closed (end of stream or reset), false when the connection was still open at the end.
    public func closedByPeer(within timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while ContinuousClock.now < deadline {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let left = deadline - ContinuousClock.now
            let milliseconds = Int32(max(1, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
            guard poll(&descriptor, 1, min(milliseconds, 100)) > 0 else { continue }
            let count = recv(fd, &buffer, buffer.count, 0)
            if count == 0 { return true }
            if count < 0 { return errno == ECONNRESET }
        }
        return false
    }
}
