/// An Amazon MSK broker address, and the region it names.
///
/// MSK's host names carry the cluster's region, so ``KafkaProducerConfiguration/msk(bootstrapServers:)``
/// and ``KafkaConsumerConfiguration/msk(bootstrapServers:groupID:)`` need no `region:`. The forms
/// read (case-insensitive, `amazonaws.com` or, in China, `amazonaws.com.cn`):
///
/// | Kind | Host | IAM port |
/// |---|---|---|
/// | provisioned, in the VPC | `b-1.<cluster>.<id>.c2.kafka.<region>.amazonaws.com` | 9098 |
/// | provisioned, public access | `b-1-public.<cluster>.<id>.c2.kafka.<region>.amazonaws.com` | 9198 |
/// | provisioned, multi-VPC private connectivity | `b-1.iam.<cluster>.<id>.c2.kafka.<region>.amazonaws.com` (also `scram.`, `tls.`) | 14001-14100 |
/// | Serverless | `boot-<id>.c1.kafka-serverless.<region>.amazonaws.com` | 9098 |
///
/// Anything else — an IP address, a CNAME of your own, a VPC endpoint service name, a local
/// stand-in — is not read as MSK's: pass the region explicitly then. The port is optional here
/// (librdkafka would use 9092, which is not an IAM listener), and is not checked against the
/// kind: MSK moves listeners rarely, but a wrong guess would refuse a working address.
public struct MSKBootstrapAddress: Sendable, Hashable, CustomStringConvertible {
    /// Which of MSK's listeners a host name belongs to.
    public enum Kind: String, Sendable, Hashable {
        /// A provisioned cluster's broker, reached inside its VPC.
        case provisioned
        /// A provisioned cluster's broker through public access (`b-N-public`).
        case provisionedPublic
        /// A provisioned cluster's broker through multi-VPC private connectivity (`b-N.iam.`).
        case multiVPC
        /// An MSK Serverless cluster's bootstrap address (`boot-<id>`).
        case serverless
    }

    /// The host name, lower-cased, without a trailing dot.
    public let host: String
    /// The port, when the address names one.
    public let port: Int?
    /// The AWS region in the host name, e.g. `eu-west-1`.
    public let region: String
    /// Which listener the host name belongs to.
    public let kind: Kind

    /// Longest address read: a DNS name has at most 253 characters, plus `:65535`.
    static let maximumLength = 253 + 6

    /// Reads `address` (`host[:port]`; surrounding spaces are ignored).
    /// - Throws: ``MSKBootstrapAddressError/notMSK(address:reason:)`` saying what does not match.
    public init(parsing address: String) throws(MSKBootstrapAddressError) {
        func refuse(_ reason: String) -> MSKBootstrapAddressError { .notMSK(address: MSKBootstrapAddressError.quote(address), reason: reason) }
        guard address.utf8.count <= Self.maximumLength + 64 else { throw refuse("it is longer than any host name") }
        let trimmed = address.trimmingSpaces
        guard !trimmed.isEmpty else { throw refuse("it is empty") }
        guard trimmed.utf8.count <= Self.maximumLength else { throw refuse("it is longer than any host name") }
        guard trimmed.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F }) else {
            throw refuse("it has characters no host name has")
        }
        var host = Substring(trimmed)
        var port: Int?
        if let colon = trimmed.lastIndex(of: ":") {
            let digits = trimmed[trimmed.index(after: colon)...]
            guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(digits), (1...65_535).contains(number) else {
                throw refuse("'\(digits.prefix(8))' is not a port")
            }
            port = number
            host = trimmed[..<colon]
        }
        var name = host.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        let (region, kind) = try Self.read(hostName: name, refuse: refuse)
        self.host = name
        self.port = port
        self.region = region
        self.kind = kind
    }

    /// The one region every address in `bootstrapServers` names. Each entry may itself be a
    /// comma-separated list, as MSK's `GetBootstrapBrokers` returns it.
    /// - Throws: ``MSKBootstrapAddressError`` when there is no address, one is not MSK's, or
    ///   they name different regions.
    public static func region(of bootstrapServers: [String]) throws(MSKBootstrapAddressError) -> String {
        var regions: [String] = []
        var count = 0
        for entry in bootstrapServers {
            for part in entry.split(separator: ",", omittingEmptySubsequences: false) where !String(part).trimmingSpaces.isEmpty {
                count += 1
                let address = try MSKBootstrapAddress(parsing: String(part))
                if !regions.contains(address.region) { regions.append(address.region) }
            }
        }
        guard count > 0 else { throw .noAddress }
        guard regions.count == 1, let region = regions.first else { throw .regionsDisagree(regions) }
        return region
    }

    public var description: String { port.map { "\(host):\($0)" } ?? host }

    private static func read(hostName name: String, refuse: (String) -> MSKBootstrapAddressError) throws(MSKBootstrapAddressError) -> (String, Kind) {
        var labels = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let china: Bool
        if labels.suffix(3) == ["amazonaws", "com", "cn"] {
            china = true
            labels.removeLast(3)
        } else if labels.suffix(2) == ["amazonaws", "com"] {
            china = false
            labels.removeLast(2)
        } else {
            throw refuse("it does not end in amazonaws.com or amazonaws.com.cn")
        }
        guard labels.allSatisfy(isDNSLabel) else { throw refuse("it has an empty or invalid label") }
        guard labels.count >= 4, let region = labels.last, isRegion(region) else {
            throw refuse("no region where MSK puts it (…kafka.<region>.amazonaws.com)")
        }
        guard region.hasPrefix("cn-") == china else {
            throw refuse(china ? "\(region) is not a China region, but the name ends in amazonaws.com.cn" : "China regions end in amazonaws.com.cn")
        }
        let service = labels[labels.count - 2]
        let cell = labels[labels.count - 3]
        guard isCell(cell) else { throw refuse("'\(cell)' is not MSK's c<n> label before \(service)") }
        let front = labels.dropLast(3)
        switch service {
        case "kafka-serverless":
            guard front.count == 1, let boot = front.first, boot.hasPrefix("boot-"), boot.count > 5 else {
                throw refuse("a Serverless address is boot-<id>.c<n>.kafka-serverless.<region>.amazonaws.com")
            }
            return (region, .serverless)
        case "kafka":
            // b-N[-public] [iam|scram|tls] <cluster> <id>
            guard front.count == 3 || front.count == 4, let broker = front.first else {
                throw refuse("a provisioned broker is b-<n>.<cluster>.<id>.c<n>.kafka.<region>.amazonaws.com")
            }
            var kind = Kind.provisioned
            var number = Substring(broker)
            guard number.hasPrefix("b-") else { throw refuse("'\(broker.prefix(16))' is not a broker label b-<n>") }
            number = number.dropFirst(2)
            if number.hasSuffix("-public") {
                number = number.dropLast("-public".count)
                kind = .provisionedPublic
            }
            guard (1...4).contains(number.count), number.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw refuse("'\(broker.prefix(16))' is not a broker label b-<n>")
            }
            if front.count == 4 {
                let scheme = front[front.startIndex + 1]
                guard kind == .provisioned, ["iam", "scram", "tls"].contains(scheme) else {
                    throw refuse("'\(scheme.prefix(16))' is not a multi-VPC listener (iam, scram, tls)")
                }
                kind = .multiVPC
            }
            return (region, kind)
        default:
            throw refuse("'\(service.prefix(24))' is not kafka or kafka-serverless")
        }
    }

    private static func isDNSLabel(_ label: String) -> Bool {
        (1...63).contains(label.utf8.count) && !label.hasPrefix("-") && !label.hasSuffix("-")
            && label.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }

    /// `us-east-1`, `us-gov-west-1`, `ap-southeast-2`, `cn-north-1`, `eu-central-2`...
    static func isRegion(_ label: String) -> Bool {
        let parts = label.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3, let first = parts.first, let last = parts.last else { return false }
        return first.count == 2 && first.allSatisfy { $0.isASCII && $0.isLetter }
            && parts.dropFirst().dropLast().allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isLetter } }
            && (1...2).contains(last.count) && last.allSatisfy { $0.isASCII && $0.isNumber }
    }

    private static func isCell(_ label: String) -> Bool {
        label.count >= 2 && label.count <= 4 && label.hasPrefix("c") && label.dropFirst().allSatisfy { $0.isASCII && $0.isNumber }
    }
}

/// Why a bootstrap address gave no region.
public enum MSKBootstrapAddressError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No address at all.
    case noAddress
    /// The address (quoted, cut to 80 characters) is not one of MSK's host names.
    case notMSK(address: String, reason: String)
    /// The addresses name more than one region.
    case regionsDisagree([String])

    public var description: String {
        let advice = "pass the cluster's region explicitly (region:)"
        switch self {
        case .noAddress:
            return "no bootstrap server given; \(advice)"
        case .notMSK(let address, let reason):
            return "cannot read an AWS region from bootstrap server \(address): \(reason); an MSK address looks like b-1.<cluster>.<id>.c2.kafka.<region>.amazonaws.com:9098 or boot-<id>.c1.kafka-serverless.<region>.amazonaws.com:9098 — otherwise \(advice)"
        case .regionsDisagree(let regions):
            return "the bootstrap servers name different regions (\(regions.joined(separator: ", "))); \(advice)"
        }
    }

    /// `'…'` around the first 80 characters, with anything unprintable shown as `?`.
    static func quote(_ text: String) -> String {
        let shown = text.unicodeScalars.prefix(80).map { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format ? "?" : String($0) }.joined()
        return "'\(shown)\(text.unicodeScalars.count > 80 ? "…" : "")'"
    }
}

extension String {
    /// Without leading and trailing spaces and tabs (what a user's `"a:9098, b:9098"` splits into).
    var trimmingSpaces: String {
        var view = Substring(self)
        while let first = view.first, first == " " || first == "\t" { view = view.dropFirst() }
        while let last = view.last, last == " " || last == "\t" { view = view.dropLast() }
        return String(view)
    }
}
