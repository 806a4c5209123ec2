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

    @Flag(help: "Print {\"token\", \"expiration_ms\", \"principal\", \"principal_source\"} as JSON.")
    var json = false

    @Flag(inversion: .prefixedNo, help: "With --json, ask STS (GetCallerIdentity) for the principal's ARN; without an answer, or with --signing-time, the principal is the access key id.")
    var callerIdentity = true

    func run() async throws {
        do {
            let (token, credentials) = try await makeToken()
            if json {
                var document = TokenDocument(token: token.value, expiration_ms: token.lifetimeMs, principal: token.principal, principal_source: "access_key_id")
                if callerIdentity, signingTime == nil, let identity = await lookUpIdentity(credentials) {
                    document.principal = identity.arn
                    document.principal_source = "sts_get_caller_identity"
                    document.account = identity.account
                }
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

    /// Who `credentials` belong to, or `nil` (with a note on stderr) when STS does not say.
    private func lookUpIdentity(_ credentials: AWSCredentials) async -> AWSCallerIdentity? {
        do {
            let client = try STSCallerIdentityClient(region: region, endpoint: try stsEndpointURL(), timeout: .seconds(5))
            return try await client.callerIdentity(signingWith: credentials)
        } catch {
            FileHandle.standardError.write(Data("msk-iam-token: no principal ARN from STS (\(error)); printing the access key id\n".utf8))
            return nil
        }
    }

    private func stsEndpointURL() throws -> URL? {
        guard let stsEndpoint else { return nil }
        guard let url = URL(string: stsEndpoint), url.scheme != nil, url.host != nil else {
            throw ValidationError("--sts-endpoint '\(stsEndpoint)' is not a URL")
        }
        return url
    }

    /// The token and the credentials that signed it.
    private func makeToken() async throws -> (MSKIAMToken, AWSCredentials) {
        var clock: any WallClock = SystemWallClock()
        if let signingTime {
            guard let date = try? Date(signingTime, strategy: .iso8601) else {
                throw ValidationError("--signing-time '\(signingTime)' is not an ISO 8601 time such as 2026-11-22T09:02:39Z")
            }
            clock = FixedWallClock(instant: date)
        }
        let endpoint = try stsEndpointURL()
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
        let signer = try MSKIAMTokenSigner(region: region, expiresIn: expiresIn)
        let current = try await credentials.credentials()
        return (try signer.token(for: current, at: clock.now()), current)
    }
}

/// The `--json` output.
private struct TokenDocument: Encodable {
    let token: String
    let expiration_ms: Int64
    /// The principal's ARN from STS, else the access key id.
    var principal: String
    /// `sts_get_caller_identity` or `access_key_id`: where ``principal`` came from.
    var principal_source: String
    /// The account id, when STS answered.
    var account: String?
}

/// `--signing-time`: every reading is that instant.
private struct FixedWallClock: WallClock {
    let instant: Date
    func now() -> Date { instant }
    func sleep(until deadline: Date) async throws {}
}
