import ArgumentParser
import AWSAuth
import Foundation
import MSKAuth

/// MSK IAM token minting from cached credentials: ours, then AWS's official Python signer.
struct TokenBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "µs per MSK IAM token: MSKIAMTokenSigner vs aws-msk-iam-sasl-signer-python, same inputs, same run."
    )

    @Option(help: "Batches to time (the median and p99 are over batch means).")
    var batches = 200

    @Option(help: "Tokens per batch.")
    var batchSize = 500

    @Option(help: "Tokens the Python signer mints (it is ~100x slower).")
    var pythonTokens = 3000

    @Flag(help: "Skip the Python reference.")
    var swiftOnly = false

    func run() async throws {
        let credentials = AWSCredentials(accessKeyID: "ASIAEXAMPLEKEY123456", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: String(repeating: "FwoGZXIvYXdzEJr", count: 25), expiration: Date().addingTimeInterval(3600))
        let signer = try MSKIAMTokenSigner(region: "us-east-1")
        var sink = 0
        // Warm-up: derive the signing key, fault in code and allocator pages.
        for _ in 0..<1000 { sink &+= try signer.token(for: credentials, at: Date()).value.utf8.count }
        var perToken: [Double] = []
        let clock = ContinuousClock()
        for _ in 0..<batches {
            let start = clock.now
            for _ in 0..<batchSize {
                sink &+= try signer.token(for: credentials, at: Date()).value.utf8.count
            }
            let elapsed = clock.now - start
            perToken.append(Double(elapsed.components.attoseconds) / 1e12 / Double(batchSize) + Double(elapsed.components.seconds) * 1e6 / Double(batchSize))
        }
        perToken.sort()
        let median = perToken[perToken.count / 2]
        let p99 = perToken[min(perToken.count - 1, perToken.count * 99 / 100)]
        print(String(format: "swift  MSKIAMTokenSigner:            median %8.2f µs/token   p99 %8.2f µs/token   (%d × %d tokens)", median, p99, batches, batchSize))
        guard !swiftOnly else { return }
        let python = try pythonMicrosecondsPerToken()
        print(String(format: "python aws-msk-iam-sasl-signer 1.0.2: median %8.2f µs/token   (%d tokens)", python, pythonTokens))
        print(String(format: "ratio  python / swift:                %8.1fx", python / median))
        if sink == 42 { print("") }  // keeps the work observable
    }

    /// Times the official signer's token construction from static credentials (no credential
    /// lookup, no network), in batches, and returns the median µs per token.
    private func pythonMicrosecondsPerToken() throws -> Double {
        let script = """
        import statistics, time
        from botocore.credentials import Credentials
        from aws_msk_iam_sasl_signer import MSKAuthTokenProvider as m
        construct = getattr(m, "__construct_auth_token")
        creds = Credentials("ASIAEXAMPLEKEY123456", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "FwoGZXIvYXdzEJr" * 25)
        for _ in range(200): construct("us-east-1", creds)
        batch = 100
        samples = []
        for _ in range(max(1, \(pythonTokens) // batch)):
            start = time.perf_counter()
            for _ in range(batch): construct("us-east-1", creds)
            samples.append((time.perf_counter() - start) / batch * 1e6)
        print(statistics.median(samples))
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let value = Double(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw ValidationError("the Python reference failed; install it with ./scripts/bootstrap.sh or pass --swift-only")
        }
        return value
    }
}
