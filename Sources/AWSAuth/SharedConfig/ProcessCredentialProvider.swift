import Foundation

/// Credentials printed by an external command (`credential_process` in a profile): JSON with
/// `Version` 1, `AccessKeyId`, `SecretAccessKey`, optional `SessionToken` and `Expiration`.
///
/// The command runs through `/bin/sh -c` with a timeout and is killed when it overruns. Errors
/// quote its exit status and (truncated) stderr, never its stdout, which holds secrets.
public struct ProcessCredentialProvider: AWSCredentialProvider {
    public var name: String { "credential-process" }

    /// The command line.
    public let command: String
    private let timeout: Duration

    /// Creates the provider.
    public init(command: String, timeout: Duration = .seconds(30)) {
        self.command = command
        self.timeout = timeout
    }

    public func credentials() async throws -> AWSCredentials {
        let stdout = Pipe(), stderr = Pipe()
        // SpawnedProcess, not Foundation's Process, whose run() can crash a process with many
        // descriptors open (see SpawnedProcess) — a service's, typically.
        let process: SpawnedProcess
        do {
            process = try SpawnedProcess.spawn("/bin/sh", ["-c", command], stdin: nil, stdout: stdout.fileHandleForWriting.fileDescriptor,
                                               stderr: stderr.fileHandleForWriting.fileDescriptor, newProcessGroup: true)
            try stdout.fileHandleForWriting.close()
            try stderr.fileHandleForWriting.close()
        } catch let error as SpawnedProcess.SpawnFailed {
            // The reason only: the command line may carry a profile name or a token argument.
            throw CredentialSourceError.misconfigured(source: name, reason: "cannot start /bin/sh: \(String(cString: strerror(error.errno)))")
        } catch {
            throw CredentialSourceError.misconfigured(source: name, reason: "cannot set up the command's pipes")
        }
        // Drain both pipes while the command runs, so a chatty command cannot block on a full pipe.
        // Unstructured on purpose: after a timeout we must not wait for them.
        let output = Task { await Self.readToEnd(stdout.fileHandleForReading) }
        let errors = Task { await Self.readToEnd(stderr.fileHandleForReading) }
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        if process.isRunning {
            // Kill the shell's whole process group (its children hold our pipes open), then
            // the shell itself. The pipe readers finish on their own once the group is gone.
            process.terminateGroup(SIGKILL)
            process.terminate(SIGKILL)
            throw CredentialSourceError.badResponse(source: name, step: "run", reason: "the command did not finish within \(timeout) and was stopped")
        }
        let stdoutData = await output.value
        let stderrData = await errors.value
        guard let status = process.exitStatus, status == 0 else {
            let message = String(decoding: stderrData.prefix(512), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw CredentialSourceError.badResponse(source: name, step: "run", reason: "the command exited with status \(process.exitStatus ?? -1)" + (message.isEmpty ? "" : ": \(message)"))
        }
        return try Self.parse(stdoutData)
    }

    /// Reads a pipe to its end on a Dispatch thread: a blocking read must never occupy one of
    /// the few threads of Swift's cooperative pool (on a 2-core machine, two such reads would
    /// stall every task, the timeout included).
    private static func readToEnd(_ handle: FileHandle) async -> Data {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: handle.readDataToEndOfFile()) }
        }
    }

    private struct Document: Decodable {
        let Version: Int?
        let AccessKeyId: String?
        let SecretAccessKey: String?
        let SessionToken: String?
        let Expiration: String?
    }

    static func parse(_ data: Data) throws(CredentialSourceError) -> AWSCredentials {
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: data)
        } catch {
            throw .badResponse(source: "credential-process", step: "output", reason: "the output is not a JSON credentials document (\(data.count) bytes)")
        }
        guard document.Version == 1 else {
            throw .badResponse(source: "credential-process", step: "output", reason: "Version must be 1, got \(document.Version.map(String.init) ?? "none")")
        }
        guard let keyID = document.AccessKeyId, !keyID.isEmpty, let secret = document.SecretAccessKey, !secret.isEmpty else {
            throw .badResponse(source: "credential-process", step: "output", reason: "AccessKeyId and SecretAccessKey are required")
        }
        var expiration: Date?
        if let text = document.Expiration {
            guard let date = AWSTimestamp.parse(text) else {
                throw .badResponse(source: "credential-process", step: "output", reason: "Expiration '\(text)' is not an ISO 8601 time")
            }
            expiration = date
        }
        return AWSCredentials(accessKeyID: keyID, secretAccessKey: secret, sessionToken: document.SessionToken, expiration: expiration)
    }
}
