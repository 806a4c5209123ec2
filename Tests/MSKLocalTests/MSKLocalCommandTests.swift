import AWSAuth
import Foundation
import MSKLocal
import Testing
import TestSupport

/// The `msk-local` executable: one JSON line on start, an env file, a clean exit on SIGTERM, and
/// a clear error for bad settings.
@Suite(.timeLimit(.minutes(1)))
struct MSKLocalCommandTests {
    static var binary: String? { ChildProcess.packageExecutable("msk-local") }

    @Test(.enabled(if: binary != nil || ProcessInfo.processInfo.environment["CI"] != nil, "build the package first"))
    func printsItsEndpointsWritesTheEnvFileAndExitsOnSIGTERM() async throws {
        let envFile = FileManager.default.temporaryDirectory.appendingPathComponent("msk-local-\(UUID().uuidString).env").path
        defer { try? FileManager.default.removeItem(atPath: envFile) }
        let output = Pipe()
        let process = try SpawnedProcess.spawn(try #require(Self.binary), ["--brokers", "2", "--topics", "a:3,b", "--env-file", envFile],
                                               stdin: nil, stdout: output.fileHandleForWriting.fileDescriptor, stderr: nil)
        try output.fileHandleForWriting.close()
        defer { process.terminate(SIGKILL) }  // only when a step threw: a no-op once it has exited
        let line = await ChildProcess.firstLine(of: output)
        let endpoints = try JSONDecoder().decode(MSKLocalEndpoints.self, from: line)
        #expect(endpoints.bootstrapServers.split(separator: ",").count == 2)
        #expect(endpoints.securityProtocol == "SASL_PLAINTEXT")
        let environment = try String(contentsOfFile: envFile, encoding: .utf8)
        #expect(environment.contains("export AWS_CONTAINER_CREDENTIALS_FULL_URI=\(endpoints.ecsURL)"))
        #expect(environment.contains("export MSK_LOCAL_BOOTSTRAP_SERVERS=\(endpoints.bootstrapServers)"))
        let lines = try await Kcat.metadataTopics(bootstrap: endpoints.rawBootstrapServers)
        #expect(lines.contains("a:3") && lines.contains("b:1"), "\(lines)")
        process.terminate()
        process.waitUntilExit()
        #expect(process.exitedNormally && process.exitStatus == 0, "SIGTERM is a clean stop: \(process.exitStatus ?? -1)")
    }

    @Test(.enabled(if: binary != nil || ProcessInfo.processInfo.environment["CI"] != nil, "build the package first"),
          arguments: [(["--brokers", "0"], "invalid brokers: 0 is outside 1...16"),
                      (["--topics", "x:zero"], "'x:zero' needs a partition count in 1...10000"),
                      (["--topics", "x:3000000000"], "'x:3000000000' needs a partition count in 1...10000"),
                      (["--tls-certificate", "/nonexistent.pem"], "give both a certificate and a private key"),
                      (["--drop-every=-1"], "--drop-every must be a number of seconds in (0, 86400]"),
                      (["--drop-every", "1e300"], "--drop-every must be a number of seconds in (0, 86400]"),
                      (["--sts-outage-length", "nan"], "--sts-outage-length must be a number of seconds in (0, 86400]"),
                      (["--clock-skew", "inf"], "invalid allowedClockSkew: inf is outside 0...86400 seconds")])
    func refusesBadSettingsWithAClearMessage(arguments: [String], message: String) async throws {
        let outcome = try await ChildProcess.run(try #require(Self.binary), arguments)
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains(message), "\(outcome.stderr)")
    }
}
