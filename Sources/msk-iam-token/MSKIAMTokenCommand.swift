import ArgumentParser
import AWSAuth
import Foundation
import MSKAuth

/// `msk-iam-token --region R`: prints an MSK IAM token made from the default credential chain.
@main
struct MSKIAMTokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "msk-iam-token",
        abstract: "Print an Amazon MSK IAM authentication token (SASL/OAUTHBEARER) made from AWS credentials.",
        discussion: "Credentials come from the AWS default chain: environment, web identity (EKS), shared files profile, container (ECS), EC2 instance profile — or only from --profile. With --role-arn, those credentials assume the role first."
    )

    @Option(help: "The AWS region of the MSK cluster, e.g. us-east-1.")
    var region: String

    @Option(help: "Use this profile of ~/.aws/config and ~/.aws/credentials (and nothing else) for credentials.")
    var profile: String?

    @Option(help: "Assume this IAM role with the chain's credentials before signing.")
    var roleARN: String?

    @Option(help: "The role session name for --role-arn (stable across refreshes).")
    var roleSessionName: String?

    @Option(help: "Use this STS endpoint instead of https://sts.<region>.amazonaws.com (may be http for local stand-ins).")
    var stsEndpoint: String?

    @Option(help: "Sign at this time (ISO 8601, e.g. 2026-11-22T09:02:39Z) instead of now, for reproducible tokens.")
    var signingTime: String?

    @Option(help: "X-Amz-Expires of the token in seconds (1...900).")
    var expiresIn: Int = MSKIAMTokenSigner.maximumExpiry

    @Flag(help: "Print {\"token\", \"expiration_ms\", \"principal\"} as JSON.")
    var json = false

    func run() async throws {
        do {
            let token = try await makeToken()
            if json {
                let document = TokenDocument(token: token.value, expiration_ms: token.lifetimeMs, principal: token.principal)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(document), as: UTF8.self))
            } else {
                print(token.value)
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            FileHandle.standardError.write(Data("msk-iam-token: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    private func makeToken() async throws -> MSKIAMToken {
        var clock: any WallClock = SystemWallClock()
        if let signingTime {
            guard let date = try? Date(signingTime, strategy: .iso8601) else {
                throw ValidationError("--signing-time '\(signingTime)' is not an ISO 8601 time such as 2026-11-22T09:02:39Z")
            }
            clock = FixedWallClock(instant: date)
        }
        var endpoint: URL?
        if let stsEndpoint {
            guard let url = URL(string: stsEndpoint), url.scheme != nil, url.host != nil else {
                throw ValidationError("--sts-endpoint '\(stsEndpoint)' is not a URL")
            }
            endpoint = url
        }
        var credentials: any AWSCredentialProvider
        if let profile {
            // An explicit profile must not silently fall through to other sources.
            credentials = ProfileCredentialProvider(profile: profile, defaultRegion: region, endpoints: .init(sts: endpoint))
        } else {
            credentials = DefaultCredentialChain.make(region: region, endpoints: .init(sts: endpoint))
        }
        if let roleARN {
            credentials = try STSAssumeRoleCredentialProvider(roleARN: roleARN, roleSessionName: roleSessionName, sourceCredentials: credentials, region: region, endpoint: endpoint)
        }
        let provider = try MSKIAMTokenProvider(region: region, credentials: credentials, expiresIn: expiresIn, clock: clock)
        return try await provider.token()
    }
}

/// The `--json` output.
private struct TokenDocument: Encodable {
    let token: String
    let expiration_ms: Int64
    let principal: String
}

/// `--signing-time`: every reading is that instant.
private struct FixedWallClock: WallClock {
    let instant: Date
    func now() -> Date { instant }
    func sleep(until deadline: Date) async throws {}
}
