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

    /// `--policy` values that cannot be a policy: each refused within seconds with a message
    /// naming what is wrong, an exit status of 1, never a crash signal.
    @Test(.enabled(if: binary != nil || ProcessInfo.processInfo.environment["CI"] != nil, "build the package first"))
    func refusesBadPolicyFilesWithAClearMessage() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("msk-local-policies-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let garbage = directory.appendingPathComponent("garbage.json")
        var generator = SystemRandomNumberGenerator()
        try Data((0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }).write(to: garbage)
        let condition = directory.appendingPathComponent("condition.json")
        try Data(#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}"#.utf8)
            .write(to: condition)
        let good = directory.appendingPathComponent("good.json")
        try Data(#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kafka-cluster:*","Resource":"*"}]}"#.utf8).write(to: good)
        let cases: [(argument: String, message: String)] = [
            (directory.appendingPathComponent("missing.json").path, "invalid policy: cannot read '\(directory.path)/missing.json'"),
            (directory.path, "invalid policy: cannot read '\(directory.path)'"),
            ("/dev/zero", "invalid policy: '/dev/zero': the policy document is 131073 bytes; msk-local accepts at most 131072"),
            (garbage.path, "the policy document is 131073 bytes; msk-local accepts at most 131072"),
            ("arn:bad=\(good.path)", "invalid policy: role must be an IAM role or user ARN"),
            ("arn:aws:iam::111122223333:role/a%00b=\(good.path)", "invalid policy: role must be an IAM role or user ARN"),
            (condition.path, "Statement[0] has a Condition: conditions are not supported by msk-local"),
        ]
        for (argument, message) in cases {
            let started = ContinuousClock.now
            let outcome = try await ChildProcess.run(try #require(Self.binary), ["--policy", argument])
            #expect(outcome.status == 1, "--policy \(argument): exit status \(outcome.status) (a signal is a crash)")
            #expect(outcome.stderr.contains(message), "--policy \(argument): \(outcome.stderr)")
            // A refusal, not a hang (reading /dev/zero to its end would never finish): seconds
            // normally, with room for a loaded 2-core machine starting the binary.
            #expect(ContinuousClock.now - started < .seconds(30), "--policy \(argument) took \(ContinuousClock.now - started)")
        }
    }
}
