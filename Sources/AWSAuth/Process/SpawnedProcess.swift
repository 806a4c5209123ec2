#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// A child process started with `posix_spawn`: what `credential_process` and the package's
/// tests use instead of Foundation's `Process`.
///
/// Why not `Process`: on Linux, swift-corelibs-foundation's `Process.run()` (Swift 6.3.1)
/// over-reads `struct dirent` while it lists `/proc/self/fd`
/// (`findMaximumOpenFromProcSelfFD`, fixed upstream in swift-corelibs-foundation#5472) and
/// crashes the whole process with SIGSEGV when the listing fills glibc's buffer — some 1,300
/// open descriptors, which a busy service (or this package's test suite, twice in a row on a
/// loaded machine) reaches.
///
/// The child gets the given descriptors as its stdin, stdout and stderr and none of the
/// parent's other descriptors (`posix_spawn_file_actions_addclosefrom_np`, glibc 2.34+).
package final class SpawnedProcess: Sendable {
    /// The child's process id.
    package let processIdentifier: pid_t
    /// The raw `waitpid` status once the child has been reaped.
    private let reaped = Mutex<Int32?>(nil)

    private init(processIdentifier: pid_t) {
        self.processIdentifier = processIdentifier
    }

    /// What could not be started.
    package struct SpawnFailed: Error, CustomStringConvertible {
        package let command: String
        package let errno: Int32
        package var description: String { "could not start \(command): \(String(cString: strerror(errno)))" }
    }

    /// Starts `executable` (a path, or a name looked up on PATH through `/usr/bin/env`) with
    /// `arguments`. `stdin`, `stdout`, `stderr`: the descriptors the child gets (`nil`: /dev/null;
    /// pass `STDERR_FILENO` to share the parent's). The caller closes its copies of the child's
    /// ends after this returns. With `newProcessGroup`, the child leads a process group of its
    /// own, so that ``terminateGroup(_:)`` reaches whatever it started too.
    package static func spawn(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                              stdin: Int32?, stdout: Int32?, stderr: Int32?, newProcessGroup: Bool = false) throws -> SpawnedProcess {
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
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        if newProcessGroup {
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, argv[0], &actions, &attributes, cArguments, cEnvironment)
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
    package var isRunning: Bool {
        reaped.withLock { reaped in
            guard reaped == nil else { return false }
            var status: Int32 = 0
            if waitpid(processIdentifier, &status, WNOHANG) == processIdentifier { reaped = status }
            return reaped == nil
        }
    }

    /// Waits for the child to end.
    package func waitUntilExit() {
        while isRunning { usleep(10_000) }
    }

    /// The exit status, or 128 + the signal that ended it; `nil` while it runs.
    package var exitStatus: Int32? {
        guard !isRunning, let status = reaped.withLock({ $0 }) else { return nil }
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }

    /// Whether it exited (as opposed to being killed by a signal), once ended.
    package var exitedNormally: Bool {
        guard !isRunning, let status = reaped.withLock({ $0 }) else { return false }
        return status & 0x7F == 0
    }

    /// Sends `signal` (SIGTERM by default) unless the child has ended.
    package func terminate(_ signal: Int32 = SIGTERM) {
        if isRunning { kill(processIdentifier, signal) }
    }

    /// Sends `signal` to the child's whole process group (spawned with `newProcessGroup`).
    package func terminateGroup(_ signal: Int32 = SIGKILL) {
        if isRunning { kill(-processIdentifier, signal) }
    }
}
