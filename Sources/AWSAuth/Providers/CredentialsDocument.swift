import Foundation

/// The JSON credentials document IMDS and the container endpoints serve:
/// `{"AccessKeyId", "SecretAccessKey", "Token", "Expiration", "Code"?}`.
struct CredentialsDocument: Decodable {
    let AccessKeyId: String?
    let SecretAccessKey: String?
    let Token: String?
    let Expiration: String?
    let Code: String?

    /// Decodes and checks `body`; errors name `source` and `step` and never quote the body
    /// (it holds secrets).
    static func credentials(from body: Data, source: String, step: String, requireExpiration: Bool) throws(CredentialSourceError) -> AWSCredentials {
        let document: CredentialsDocument
        do {
            document = try JSONDecoder().decode(CredentialsDocument.self, from: body)
        } catch {
            throw .badResponse(source: source, step: step, reason: "the answer is not a JSON credentials document (\(body.count) bytes)")
        }
        if let code = document.Code, code != "Success" {
            throw .badResponse(source: source, step: step, reason: "Code is '\(code)', not 'Success'")
        }
        guard let keyID = document.AccessKeyId, !keyID.isEmpty else {
            throw .badResponse(source: source, step: step, reason: "AccessKeyId is missing")
        }
        guard let secret = document.SecretAccessKey, !secret.isEmpty else {
            throw .badResponse(source: source, step: step, reason: "SecretAccessKey is missing")
        }
        var expiration: Date?
        if let text = document.Expiration {
            guard let date = AWSTimestamp.parse(text) else {
                throw .badResponse(source: source, step: step, reason: "Expiration '\(text)' is not an ISO 8601 time")
            }
            expiration = date
        } else if requireExpiration {
            throw .badResponse(source: source, step: step, reason: "Expiration is missing")
        }
        return AWSCredentials(accessKeyID: keyID, secretAccessKey: secret, sessionToken: document.Token.flatMap { $0.isEmpty ? nil : $0 }, expiration: expiration)
    }
}
