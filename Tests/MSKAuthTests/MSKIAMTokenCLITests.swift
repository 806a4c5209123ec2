import Foundation
import TestSupport
import Testing

/// The `msk-iam-token` executable, run as a user would.
@Suite struct MSKIAMTokenCLITests {
    static var binary: String? { ChildProcess.packageExecutable("msk-iam-token") }

    /// In CI the binary must be there (swift test builds it); elsewhere a missing one skips.
    static var runnable: Bool { binary != nil || ProcessInfo.processInfo.environment["CI"] != nil }

    static func run(_ arguments: [String], environment: [String: String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let outcome = try ChildProcess.run(try #require(binary), arguments, environment: environment)
        return (outcome.status, outcome.stdoutText, outcome.stderr)
    }

    @Test(.enabled(if: runnable, "build the package first (swift build)"))
    func printsTheVectorTokenFromEnvironmentCredentials() throws {
        let vector = try #require(try MSKIAMTokenVectorTests.vectors().first)
        let result = try Self.run(
            ["--region", vector.region, "--signing-time", vector.signing_time, "--json"],
            environment: ["AWS_ACCESS_KEY_ID": vector.access_key_id, "AWS_SECRET_ACCESS_KEY": vector.secret_access_key, "AWS_EC2_METADATA_DISABLED": "true"]
        )
        #expect(result.status == 0, "\(result.stderr)")
        struct Output: Decodable { let token: String; let expiration_ms: Int64; let principal: String }
        let output = try JSONDecoder().decode(Output.self, from: Data(result.stdout.utf8))
        #expect(output.expiration_ms == vector.expiration_ms)
        #expect(output.principal == vector.access_key_id)
        let url = try #require(MSKIAMTokenVectorTests.decodeToken(output.token))
        #expect(MSKIAMTokenVectorTests.withoutUserAgent(url) == MSKIAMTokenVectorTests.withoutUserAgent(vector.url))
    }

    @Test(.enabled(if: runnable, "build the package first (swift build)"))
    func noCredentialsIsAnActionableErrorAndNonZeroExit() throws {
        let result = try Self.run(["--region", "us-east-1"], environment: ["AWS_EC2_METADATA_DISABLED": "true", "AWS_SECRET_ACCESS_KEY": "leaked-secret-value"])
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("no AWS credentials found"))
        #expect(result.stderr.contains("AWS_ACCESS_KEY_ID"))
        #expect(!result.stderr.contains("leaked-secret-value"))
    }

    @Test(.enabled(if: runnable, "build the package first (swift build)"))
    func badArgumentsAreRejected() throws {
        let environment = ["AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s", "AWS_EC2_METADATA_DISABLED": "true"]
        #expect(try Self.run(["--region", "us-east-1", "--expires-in", "3600"], environment: environment).stderr.contains("between 1 and 900"))
        #expect(try Self.run(["--region", "us-east-1", "--signing-time", "yesterday"], environment: environment).status != 0)
        #expect(try Self.run(["--region", "Not A Region"], environment: environment).stderr.contains("invalid AWS region"))
    }

    @Test(.enabled(if: runnable, "build the package first (swift build)"))
    func anExplicitProfileDoesNotFallThrough() throws {
        let environment = ["AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s", "AWS_EC2_METADATA_DISABLED": "true",
                           "AWS_CONFIG_FILE": "/nonexistent/config", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials"]
        let result = try Self.run(["--region", "us-east-1", "--profile", "prod"], environment: environment)
        #expect(result.status != 0)
        #expect(result.stderr.contains("profile 'prod' not found"))
    }
}
