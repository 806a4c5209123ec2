#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// A child process started with `posix_spawn`, for the tests' helpers instead of Foundation's
/// `Process`.
///
/// Why not `Process`: on Linux, swift-corelibs-foundation's `Process.run()` (Swift 6.3.1)
/// over-reads `struct dirent` while it lists `/proc/self/fd`
/// (`findMaximumOpenFromProcSelfFD`, fixed upstream in swift-corelibs-foundation#5472) and
/// crashes the whole test process with SIGSEGV when the listing fills glibc's buffer — some
/// 1,300 open descriptors, which this suite reaches when many tests overlap. Two stress runs
/// in a row died that way on a loaded machine.
///
/// The child gets the given descriptors as its stdin, stdout and stderr and none of the
/// parent's other descriptors (`posix_spawn_file_actions_addclosefrom_np`, glibc 2.34+).
public final class SpawnedProcess: Sendable {
    /// The child's process id.
    public let processIdentifier: pid_t
    /// The raw `waitpid` status once the child has been reaped.
    private let reaped = Mutex<Int32?>(nil)

    private init(processIdentifier: pid_t) {
        self.processIdentifier = processIdentifier
    }

    /// What could not be started.
    public struct SpawnFailed: Error, CustomStringConvertible {
        public let command: String
        public let errno: Int32
        public var description: String { "could not start \(command): \(String(cString: strerror(errno)))" }
    }

    /// Starts `executable` (a path, or a name looked up on PATH through `/usr/bin/env`) with
    /// `arguments`. `stdin`, `stdout`, `stderr`: the descriptors the child gets (`nil`: /dev/null;
    /// pass `STDERR_FILENO` to share the parent's). The caller closes its copies of the child's
    /// ends after this returns.
    public static func spawn(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                             stdin: Int32?, stdout: Int32?, stderr: Int32?) throws -> SpawnedProcess {
        let argv = executable.hasPrefix("/") ? [executable] + arguments : ["/usr/bin/env", executable] + arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (source, target) in [(stdin, STDIN_FILENO), (stdout, STDOUT_FILENO), (stderr, STDERR_FILENO)] {
            if let source {
                posix_spawn_file_actions_adddup2(&actions, source, target)
            } else {
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == STDIN_FILENO ? O_RDONLY : O_WRONLY, 0)
            }
        }
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }
        let environmentStrings = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environmentStrings.map { strdup($0) } + [nil]
        defer {
            for pointer in cArguments { free(pointer) }
            for pointer in cEnvironment { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, argv[0], &actions, nil, cArguments, cEnvironment)
        guard result == 0 else { throw SpawnFailed(command: argv.joined(separator: " "), errno: result) }
        return SpawnedProcess(processIdentifier: pid)
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np`, looked up at run time (Swift's Glibc
    /// module does not import it).
    private static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// Whether the child is still running (reaps it if it has ended).
    public var isRunning: Bool {
        reaped.withLock { reaped in
            guard reaped == nil else { return false }
            var status: Int32 = 0
            if waitpid(processIdentifier, &status, WNOHANG) == processIdentifier { reaped = status }
            return reaped == nil
        }
    }

    /// Waits for the child to end.
    public func waitUntilExit() {
        while isRunning { usleep(10_000) }
    }

    /// The exit status, or 128 + the signal that ended it; `nil` while it runs.
    public var exitStatus: Int32? {
        guard !isRunning, let status = reaped.withLock({ $0 }) else { return nil }
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }

    /// Whether it exited (as opposed to being killed by a signal), once ended.
    public var exitedNormally: Bool {
        guard !isRunning, let status = reaped.withLock({ $0 }) else { return false }
        return status & 0x7F == 0
    }

    /// Sends `signal` (SIGTERM by default) unless the child has ended.
    public func terminate(_ signal: Int32 = SIGTERM) {
        if isRunning { kill(processIdentifier, signal) }
    }
}
