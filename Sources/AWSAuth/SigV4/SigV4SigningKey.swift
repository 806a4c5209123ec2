import Crypto
import Synchronization

/// Derives the SigV4 signing key: `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
enum SigV4SigningKey {
    static func derive(secretAccessKey: String, date: String, region: String, service: String) -> SymmetricKey {
        let dateKey = hmac(SymmetricKey(data: Array("AWS4\(secretAccessKey)".utf8)), date)
        let regionKey = hmac(dateKey, region)
        let serviceKey = hmac(regionKey, service)
        return hmac(serviceKey, "aws4_request")
    }

    private static func hmac(_ key: SymmetricKey, _ message: String) -> SymmetricKey {
        SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: key))
    }
}

/// Remembers the last derived signing key, which changes only when the secret, the day, the
/// region or the service does. Minting a token every few minutes from the same credentials then
/// costs one HMAC instead of five.
final class SigV4SigningKeyCache: Sendable {
    private struct Entry {
        var secretAccessKey: String
        var date: String
        var region: String
        var service: String
        var key: SymmetricKey
    }

    private let last = Mutex<Entry?>(nil)

    init() {}

    func key(secretAccessKey: String, date: String, region: String, service: String) -> SymmetricKey {
        if let hit = last.withLock({ entry -> SymmetricKey? in
            guard let entry, entry.date == date, entry.region == region, entry.service == service,
                  entry.secretAccessKey == secretAccessKey else { return nil }
            return entry.key
        }) {
            return hit
        }
        let key = SigV4SigningKey.derive(secretAccessKey: secretAccessKey, date: date, region: region, service: service)
        last.withLock { $0 = Entry(secretAccessKey: secretAccessKey, date: date, region: region, service: service, key: key) }
        return key
    }
}
