import Foundation
import Logging

/// Keeps a web identity token from ``LocalOIDCIssuer`` in a file, replaced atomically at half
/// its lifetime — what the kubelet does with an EKS pod's projected service-account token
/// (`AWS_WEB_IDENTITY_TOKEN_FILE`), so that IRSA-style clients can be tested against msk-local.
struct WebIdentityTokenFile: Sendable {
    let path: String
    let subject: String
    let lifetime: Int
    let issuer: LocalOIDCIssuer

    /// Writes the first token now; throws ``MSKLocalError`` when the file cannot be written.
    func writeToken() throws(MSKLocalError) {
        do {
            try issuer.token(subject: subject, lifetime: lifetime).write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw .invalidConfiguration(name: "webIdentityTokenFile", reason: "cannot write \(path): \(error)")
        }
    }

    /// Rewrites the file every half lifetime until cancelled.
    func rotate(logger: Logger) async {
        while (try? await Task.sleep(for: .seconds(max(1, lifetime / 2)))) != nil {
            do {
                try writeToken()
            } catch {
                logger.error("cannot rotate the web identity token file", metadata: ["error": "\(error)"])
            }
        }
    }
}
