import AWSAuth
import Foundation

/// Checks the SigV4 `Authorization` header of a request to msk-local's STS, as AWS does:
/// the key must be known, the session token must belong to it, the time must be within
/// 15 minutes, and the signature recomputed over the signed headers must match.
struct SigV4RequestVerifier: Sendable {
    let registry: CredentialRegistry
    let service: String

    /// An STS-style refusal: code and message.
    struct Refusal: Error {
        let code: String
        let message: String
    }

    /// The caller's credentials and principal, or why the request is refused.
    func verify(_ request: LocalHTTPRequest, now: Date) -> Result<IssuedCredentials, Refusal> {
        guard let authorization = request.headers["authorization"] else {
            return .failure(Refusal(code: "MissingAuthenticationToken", message: "Request is missing Authentication Token"))
        }
        guard authorization.hasPrefix("AWS4-HMAC-SHA256 ") else {
            return .failure(Refusal(code: "IncompleteSignature", message: "Unsupported signing algorithm"))
        }
        var fields: [String: String] = [:]
        for part in authorization.dropFirst("AWS4-HMAC-SHA256 ".count).split(separator: ",") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1).map(String.init)
            if pair.count == 2 { fields[pair[0]] = pair[1] }
        }
        guard let credential = fields["Credential"], let signedHeaders = fields["SignedHeaders"], let signature = fields["Signature"] else {
            return .failure(Refusal(code: "IncompleteSignature", message: "Authorization header lacks Credential, SignedHeaders or Signature"))
        }
        let scope = credential.split(separator: "/").map(String.init)
        guard scope.count == 5, scope[3] == service, scope[4] == "aws4_request" else {
            return .failure(Refusal(code: "IncompleteSignature", message: "Credential scope is not <key>/<date>/<region>/\(service)/aws4_request"))
        }
        guard let known = registry.lookup(accessKeyID: scope[0]) else {
            return .failure(Refusal(code: "InvalidClientTokenId", message: "The security token included in the request is invalid."))
        }
        if let sessionToken = known.credentials.sessionToken, request.headers["x-amz-security-token"] != sessionToken {
            return .failure(Refusal(code: "InvalidClientTokenId", message: "The security token included in the request is invalid."))
        }
        if let expiration = known.credentials.expiration, expiration <= now {
            return .failure(Refusal(code: "ExpiredToken", message: "The security token included in the request is expired"))
        }
        guard let dateText = request.headers["x-amz-date"], let signedAt = MSKTokenValidator.parseAmzDate(dateText) else {
            return .failure(Refusal(code: "IncompleteSignature", message: "X-Amz-Date is missing or malformed"))
        }
        guard abs(signedAt.timeIntervalSince(now)) <= 15 * 60 else {
            return .failure(Refusal(code: "SignatureDoesNotMatch", message: "Signature expired: \(dateText) is more than 15 minutes from the server's time"))
        }
        let names = signedHeaders.split(separator: ";").map(String.init)
        guard names.contains("host"), let host = request.headers["host"],
              let url = URL(string: "http://\(host)\(request.path)\(request.query.isEmpty ? "" : "?" + request.query)") else {
            return .failure(Refusal(code: "IncompleteSignature", message: "the host header must be signed"))
        }
        var headers: [String: String] = [:]
        for name in names where name != "host" && name != "x-amz-date" && name != "x-amz-security-token" {
            headers[name] = request.headers[name] ?? ""
        }
        let recomputed = SigV4Signer(credentials: known.credentials, region: scope[2], service: service)
            .signHeaders(HTTPRequest(method: request.method, url: url, headers: headers, body: request.body), date: signedAt)
        let expectedSignature = recomputed.headers["Authorization"]?.components(separatedBy: "Signature=").last ?? ""
        let expectedHeaders = recomputed.headers["Authorization"].flatMap { $0.components(separatedBy: "SignedHeaders=").last?.components(separatedBy: ",").first } ?? ""
        guard expectedHeaders == signedHeaders, constantTimeEqual(Array(expectedSignature.utf8), Array(signature.utf8)) else {
            return .failure(Refusal(code: "SignatureDoesNotMatch", message: "The request signature we calculated does not match the signature you provided."))
        }
        return .success(known)
    }
}
