#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// A loopback TCP port that is certainly not listening, for tests that need a connection to be
/// refused.
///
/// A fixed "closed" port such as 9 (discard) is only closed by convention: on some machine
/// something listens there, or a firewall drops the SYN and the refusal becomes a timeout. This
/// binds a socket to `127.0.0.1:0` and never calls `listen()`: the kernel then answers every
/// connection attempt to the port with a reset (`ECONNREFUSED`), and nobody else can bind the
/// port while the socket is held. Hold it for as long as the test needs the refusal and
/// ``close()`` it at the end (`defer { unlistened.close() }`); the deinit closes it too.
public final class UnlistenedPort: Sendable {
    /// The bound, never listening port on 127.0.0.1.
    public let port: Int
    private let descriptor: Int32
    private let closed = Atomic(false)

    /// `http://127.0.0.1:<port>`
    public var url: URL {
        guard let url = URL(string: "http://127.0.0.1:\(port)") else { preconditionFailure("http://127.0.0.1:\(port) is a URL") }
        return url
    }

    /// Binds a fresh socket to 127.0.0.1 on a port the kernel picks.
    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            let code = errno
            Glibc.close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EADDRINUSE)
        }
        var assigned = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &assigned) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            let code = errno
            Glibc.close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EBADF)
        }
        descriptor = fd
        port = Int(UInt16(bigEndian: assigned.sin_port))
    }

    /// Releases the port (after which it may be reused by anyone). Calling it again does nothing.
    public func close() {
        if !closed.exchange(true, ordering: .acquiringAndReleasing) { _ = Glibc.close(descriptor) }
    }

    deinit { close() }
}
