import CRdKafka
import Foundation

// Tokens for OAUTHBEARER (SASL): ``OAuthBearerTokenRefresher`` decides when; these hand them over.
// librdkafka allows both calls from any thread.
extension RdKafkaClient {
    /// Sets the token librdkafka authenticates new connections with, SASL extensions included;
    /// returns librdkafka's reason if it refused the token.
    func setOAuthBearerToken(_ token: OAuthBearerToken) -> String? {
        var errorBuffer = [CChar](repeating: 0, count: 512)
        // librdkafka takes the extensions as one array of C strings: key, value, key, value...
        let extensions = token.extensions.sorted { $0.key < $1.key }.flatMap { [strdup($0.key), strdup($0.value)] }
        defer { extensions.forEach { free($0) } }
        var pointers = extensions.map { UnsafePointer($0) }
        let result = rd_kafka_oauthbearer_set_token(handle.raw, token.value, token.lifetimeMs, token.principalName,
                                                    &pointers, pointers.count, &errorBuffer, errorBuffer.count)
        return result == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : String(errorBuffer: errorBuffer)
    }

    /// Tells librdkafka that no token can be had now, and why (it logs the reason and asks again).
    func setOAuthBearerTokenFailure(_ reason: String) {
        _ = rd_kafka_oauthbearer_set_token_failure(handle.raw, reason)
    }
}
