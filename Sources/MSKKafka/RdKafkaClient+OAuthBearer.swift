import CRdKafka

// Tokens for OAUTHBEARER (SASL): ``OAuthBearerTokenRefresher`` decides when; these hand them over.
// librdkafka allows both calls from any thread.
extension RdKafkaClient {
    /// Sets the token librdkafka authenticates new connections with; returns librdkafka's
    /// reason if it refused the token.
    func setOAuthBearerToken(_ value: String, lifetimeMs: Int64, principal: String) -> String? {
        var errorBuffer = [CChar](repeating: 0, count: 512)
        let result = rd_kafka_oauthbearer_set_token(handle.raw, value, lifetimeMs, principal, nil, 0, &errorBuffer, errorBuffer.count)
        return result == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : String(errorBuffer: errorBuffer)
    }

    /// Tells librdkafka that no token can be had now, and why (it logs the reason and asks again).
    func setOAuthBearerTokenFailure(_ reason: String) {
        _ = rd_kafka_oauthbearer_set_token_failure(handle.raw, reason)
    }
}
