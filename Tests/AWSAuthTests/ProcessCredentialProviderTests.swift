import Foundation
import Testing
@testable import AWSAuth

@Suite(.timeLimit(.minutes(1)))
struct ProcessCredentialProviderTests {
    @Test func readsTheDocument() async throws {
        let provider = ProcessCredentialProvider(command: #"printf '{"Version": 1, "AccessKeyId": "AKIDPROC", "SecretAccessKey": "proc-secret", "SessionToken": "proc-token", "Expiration": "2030-01-01T00:00:00Z"}'"#)
        let credentials = try await provider.credentials()
        #expect(credentials.accessKeyID == "AKIDPROC")
        #expect(credentials.sessionToken == "proc-token")
        #expect(credentials.expiration == Date(timeIntervalSince1970: 1_893_456_000))
    }

    /// A service with many descriptors open runs its credential_process without crashing (the
    /// case that kills Foundation's Process.run(), see SpawnedProcess), and the command inherits
    /// none of them.
    @Test func withFourteenHundredDescriptorsOpenTheCommandRunsAndInheritsNone() async throws {
        var held: [Int32] = []
        defer { for fd in held { close(fd) } }
        for _ in 0..<700 {
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else { break }
            held += ends
        }
        #expect(held.count == 1_400)
        // The command reports how many descriptors it has, in the key id.
        let provider = ProcessCredentialProvider(command: #"n=$(ls /proc/$$/fd | wc -l); printf '{"Version": 1, "AccessKeyId": "AKIDFDS%s", "SecretAccessKey": "s"}' "$n""#)
        for _ in 0..<5 {
            let credentials = try await provider.credentials()
            let count = try #require(Int(credentials.accessKeyID.dropFirst("AKIDFDS".count)))
            #expect(count <= 6, "the command inherited \(count) descriptors")
        }
    }

    @Test(arguments: [
        (#"echo not json"#, "not a JSON credentials document"),
        (#"echo '{"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "leaky-secret"}'"#, "Version must be 1"),
        (#"echo '{"Version": 1, "AccessKeyId": "A"}'"#, "required"),
        (#"echo '{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "leaky-secret"}'; echo 'sso session expired' >&2; exit 3"#, "status 3: sso session expired"),
        (#"echo '{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "leaky-secret", "Expiration": "soon"}'"#, "not an ISO 8601"),
    ])
    func badOutputIsATypedErrorThatNeverEchoesStdout(command: String, expected: String) async throws {
        do {
            _ = try await ProcessCredentialProvider(command: command).credentials()
            Issue.record("expected an error")
        } catch let error as CredentialSourceError {
            #expect("\(error)".contains(expected), "\(error)")
            #expect(!"\(error)".contains("leaky-secret"))
        }
    }

    @Test func aHangingCommandIsStopped() async throws {
        let started = ContinuousClock.now
        await #expect(throws: CredentialSourceError.self) {
            _ = try await ProcessCredentialProvider(command: "sleep 120", timeout: .milliseconds(300)).credentials()
        }
        // The command would run 120 s; a generous bound still proves it was stopped.
        #expect(ContinuousClock.now - started < .seconds(60))
    }
}
