import Testing
@testable import MSKKafka

/// Regions read from MSK's host names: every form MSK hands out, and what must be refused.
@Suite struct MSKBootstrapAddressTests {
    typealias Kind = MSKBootstrapAddress.Kind

    @Test(arguments: [
        // Provisioned, inside the VPC (IAM 9098), any cell, any region shape.
        ("b-1.orders.a1b2c3.c2.kafka.eu-west-1.amazonaws.com:9098", "eu-west-1", Kind.provisioned, 9098),
        ("b-3.exampleClusterName.abcde.c2.kafka.us-east-1.amazonaws.com:9098", "us-east-1", .provisioned, 9098),
        ("b-12.mskctzwy2useast1mskcl.j0gvut.c19.kafka.us-east-1.amazonaws.com:9098", "us-east-1", .provisioned, 9098),
        ("b-2.mskzwy2usgoveast1m.7nitq1.c2.kafka.us-gov-east-1.amazonaws.com:9098", "us-gov-east-1", .provisioned, 9098),
        ("b-1.my-cluster.xyz123.c3.kafka.ap-southeast-2.amazonaws.com:9098", "ap-southeast-2", .provisioned, 9098),
        ("b-1.c.x.c1.kafka.il-central-1.amazonaws.com:9098", "il-central-1", .provisioned, 9098),
        // Public access (IAM 9198).
        ("b-1-public.myTestCluster.v4ni96.c2.kafka.us-east-1.amazonaws.com:9198", "us-east-1", .provisionedPublic, 9198),
        // Multi-VPC private connectivity (IAM 14001-14100).
        ("b-1.iam.orders.a1b2c3.c19.kafka.us-east-1.amazonaws.com:14001", "us-east-1", .multiVPC, 14001),
        ("b-3.scram.orders.a1b2c3.c2.kafka.eu-central-1.amazonaws.com:14003", "eu-central-1", .multiVPC, 14003),
        ("b-2.tls.orders.a1b2c3.c2.kafka.eu-central-1.amazonaws.com:14002", "eu-central-1", .multiVPC, 14002),
        // Serverless.
        ("boot-kic5gwhr.c2.kafka-serverless.us-east-1.amazonaws.com:9098", "us-east-1", .serverless, 9098),
        ("boot-twqovxpi.c3.kafka-serverless.ap-northeast-2.amazonaws.com:9098", "ap-northeast-2", .serverless, 9098),
        // China.
        ("b-1.orders.a1b2c3.c2.kafka.cn-north-1.amazonaws.com.cn:9098", "cn-north-1", .provisioned, 9098),
        ("boot-abc.c1.kafka-serverless.cn-northwest-1.amazonaws.com.cn:9098", "cn-northwest-1", .serverless, 9098),
        // Case, a trailing dot, surrounding spaces.
        ("B-1.Orders.A1B2C3.C2.KAFKA.EU-WEST-1.AMAZONAWS.COM:9098", "eu-west-1", .provisioned, 9098),
        ("b-1.orders.a1b2c3.c2.kafka.eu-west-1.amazonaws.com.:9098", "eu-west-1", .provisioned, 9098),
        ("  b-1.orders.a1b2c3.c2.kafka.eu-west-1.amazonaws.com:9098\t", "eu-west-1", .provisioned, 9098),
    ])
    func readsTheRegion(address: String, region: String, kind: Kind, port: Int) throws {
        let parsed = try MSKBootstrapAddress(parsing: address)
        #expect(parsed.region == region)
        #expect(parsed.kind == kind)
        #expect(parsed.port == port)
        #expect(parsed.host == parsed.host.lowercased() && !parsed.host.hasSuffix("."))
        #expect("\(parsed)" == "\(parsed.host):\(port)")
    }

    @Test func theRegionNeedsNoPort() throws {
        let parsed = try MSKBootstrapAddress(parsing: "boot-abc.c1.kafka-serverless.eu-west-2.amazonaws.com")
        #expect(parsed.region == "eu-west-2")
        #expect(parsed.port == nil)
    }

    /// Not MSK's, or not a host name at all: each is a `notMSK` error that asks for `region:`.
    @Test(arguments: [
        "",
        "   ",
        "localhost:9092",
        "127.0.0.1:9098",
        "[::1]:9098",
        "kafka.internal.example.com:9098",
        "b-1.orders.a1b2c3.c2.kafka.eu-west-1.example.com:9098",          // not amazonaws.com
        "b-1.orders.a1b2c3.c2.kafka.eu-west-1.amazonaws.com.evil.io:9098",  // suffix only looks right
        "amazonaws.com:9098",
        "kafka.eu-west-1.amazonaws.com:443",                                 // the token's host, not a broker
        "sts.eu-west-1.amazonaws.com:443",
        "b-1.orders.a1b2c3.kafka.eu-west-1.amazonaws.com:9098",             // no c<n> cell
        "b-1.orders.a1b2c3.c2.kinesis.eu-west-1.amazonaws.com:9098",         // another service
        "b-1.orders.a1b2c3.c2.kafka.eu-west.amazonaws.com:9098",             // no region number
        "b-1.orders.a1b2c3.c2.kafka.europe-west-1.amazonaws.com:9098",       // not a region's shape
        "b-1.orders.a1b2c3.c2.kafka.cn-north-1.amazonaws.com:9098",          // China without .cn
        "b-1.orders.a1b2c3.c2.kafka.eu-west-1.amazonaws.com.cn:9098",        // .cn without China
        "x-1.orders.a1b2c3.c2.kafka.eu-west-1.amazonaws.com:9098",           // not a broker label
        "b-.orders.a1b2c3.c2.kafka.eu-west-1.amazonaws.com:9098",
        "b-1-private.orders.a1b2c3.c2.kafka.eu-west-1.amazonaws.com:9098",
        "b-1-internal.orders.a1b2c3.c2.kafka.eu-west-1.amazonaws.com:9093",  // replication listener
        "b-1.oauth.orders.a1b2c3.c2.kafka.eu-west-1.amazonaws.com:14001",    // not a multi-VPC listener
        "b-1-public.iam.orders.a1b2c3.c2.kafka.eu-west-1.amazonaws.com:14001",
        "b-1.a.b.c.orders.a1b2c3.c2.kafka.eu-west-1.amazonaws.com:9098",     // too many labels
        "boot.c1.kafka-serverless.eu-west-1.amazonaws.com:9098",
        "boot-abc.x.c1.kafka-serverless.eu-west-1.amazonaws.com:9098",
        "b-1..a1b2c3.c2.kafka.eu-west-1.amazonaws.com:9098",                 // empty label
        "b-1.-orders.a1b2c3.c2.kafka.eu-west-1.amazonaws.com:9098",          // label starts with -
        "b-1.orders_x.a1b2c3.c2.kafka.eu-west-1.amazonaws.com:9098",         // underscore
        "b-1.orders.a1b2c3.c2.kafka.eu-west-1.amazonaws.com:",               // empty port
        "b-1.orders.a1b2c3.c2.kafka.eu-west-1.amazonaws.com:0",
        "b-1.orders.a1b2c3.c2.kafka.eu-west-1.amazonaws.com:65536",
        "b-1.orders.a1b2c3.c2.kafka.eu-west-1.amazonaws.com:-1",
        "b-1.orders.a1b2c3.c2.kafka.eu-west-1.amazonaws.com:90 98",
        "b-1.orders.a1b2c3.c2.kafka.eu-west-1.amazonaws.com:９０９８",          // full-width digits
        "b-1.orders.a1b2c3.c2.kafka.eu-west-1.amazonaws.com:9098:9098",
        "SASL_SSL://b-1.orders.a1b2c3.c2.kafka.eu-west-1.amazonaws.com:9098",
        "b-1.ordérs.a1b2c3.c2.kafka.eu-west-1.amazonaws.com:9098",          // unicode label
        "b-1.xn--ordrs-bsa.a1b2c3.c2.kafka.eu-west-1.amazonaws.com\u{200B}:9098", // zero-width space
        "b-1.orders.a1b2c3.c2.kafka.eu-west-1.amazonaws.com\u{0}:9098",      // NUL
        "b-1.orders.a1b2c3.c2.kafka.eu-west-1.amazonaws.com\n:9098",
        "b-1.orders.a1b2c3.c2.kafka.eu-west-1.amazonaws.com 9098",
        "\u{1F600}.c2.kafka.eu-west-1.amazonaws.com:9098",
        "b-1." + String(repeating: "a", count: 64) + ".a1b2c3.c2.kafka.eu-west-1.amazonaws.com:9098",   // label over 63
        "b-1." + String(repeating: "a.", count: 200) + "c2.kafka.eu-west-1.amazonaws.com:9098",      // over 253
        String(repeating: "x", count: 1_000_000),
        String(repeating: ":", count: 10_000),
    ])
    func refusesWhatIsNotMSKs(address: String) {
        do {
            let parsed = try MSKBootstrapAddress(parsing: address)
            Issue.record("read \(parsed.region) from \(address.prefix(100).debugDescription)")
        } catch {
            guard case .notMSK(let quoted, let reason) = error else {
                Issue.record("expected notMSK, got \(error)")
                return
            }
            #expect(!reason.isEmpty)
            #expect(quoted.unicodeScalars.count <= 83, "the address is quoted cut short")
            #expect(!quoted.unicodeScalars.contains { $0.properties.generalCategory == .control }, "nothing unprintable is quoted back")
            #expect("\(error)".contains("region:"), "the error says how to go on: \(error)")
            #expect("\(error)".utf8.count < 600)
        }
    }

    @Test func allServersMustAgreeOnOneRegion() throws {
        let one = "b-1.orders.a1b2c3.c2.kafka.eu-west-1.amazonaws.com:9098"
        let two = "b-2.orders.a1b2c3.c2.kafka.eu-west-1.amazonaws.com:9098"
        #expect(try MSKBootstrapAddress.region(of: [one, two]) == "eu-west-1")
        #expect(try MSKBootstrapAddress.region(of: ["\(one),\(two)"]) == "eu-west-1", "MSK's comma-separated string as one entry")
        #expect(try MSKBootstrapAddress.region(of: ["\(one), \(two),"]) == "eu-west-1", "spaces and a trailing comma")

        #expect(throws: MSKBootstrapAddressError.regionsDisagree(["eu-west-1", "us-east-1"])) {
            try MSKBootstrapAddress.region(of: [one, "b-1.orders.a1b2c3.c2.kafka.us-east-1.amazonaws.com:9098"])
        }
        #expect(throws: MSKBootstrapAddressError.noAddress) { try MSKBootstrapAddress.region(of: []) }
        #expect(throws: MSKBootstrapAddressError.noAddress) { try MSKBootstrapAddress.region(of: ["", " , ,"]) }
        // One address that is not MSK's spoils the lot, wherever it is.
        #expect(throws: MSKBootstrapAddressError.self) { try MSKBootstrapAddress.region(of: [one, "127.0.0.1:9098"]) }
        #expect(throws: MSKBootstrapAddressError.self) { try MSKBootstrapAddress.region(of: ["127.0.0.1:9098", one]) }
        let disagreement = MSKBootstrapAddressError.regionsDisagree(["eu-west-1", "us-east-1"])
        #expect("\(disagreement)".contains("eu-west-1, us-east-1") && "\(disagreement)".contains("region:"))
    }
}
