// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "swift-msk-kafka",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "AWSAuth", targets: ["AWSAuth"]),
        .library(name: "MSKAuth", targets: ["MSKAuth"]),
        .library(name: "MSKKafka", targets: ["MSKKafka"]),
        .executable(name: "msk-iam-token", targets: ["msk-iam-token"]),
        .executable(name: "kafka-bench", targets: ["kafka-bench"]),
        .executable(name: "kafka-soak", targets: ["kafka-soak"]),
        .executable(name: "kafka-dead-letters", targets: ["kafka-dead-letters"]),
        .library(name: "MSKLocal", targets: ["MSKLocal"]),
        // Test doubles, kept out of the shipping libraries: the mock cluster and the manual clock.
        .library(name: "MSKKafkaTesting", targets: ["MSKKafkaTesting"]),
        .library(name: "AWSAuthTesting", targets: ["AWSAuthTesting"]),
        .executable(name: "msk-local", targets: ["msk-local"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        // Trace context through Kafka headers (MSKKafka) and the in-memory tracer its tests use.
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // Only for `swift package generate-documentation` (scripts/docs.sh); no target depends on it.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // librdkafka from the system (Debian: librdkafka-dev).
        .systemLibrary(
            name: "CRdKafka",
            path: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        // AWS credentials, providers, the refreshing cache and SigV4. Knows nothing of Kafka.
        .target(
            name: "AWSAuth",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The MSK IAM token: a SigV4-presigned URL as an OAUTHBEARER token.
        .target(
            name: "MSKAuth",
            dependencies: ["AWSAuth"]
        ),
        // Swift wrapper over librdkafka: configuration, producer, consumer, stats.
        .target(
            name: "MSKKafka",
            dependencies: [
                "CRdKafka",
                "AWSAuth",
                "MSKAuth",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // librdkafka's mock cluster behind Swift types, for tests, benchmarks and msk-local.
        .target(name: "MSKKafkaTesting", dependencies: ["CRdKafka", "MSKKafka"]),
        // ManualWallClock: a WallClock that moves only when a test moves it.
        .target(name: "AWSAuthTesting", dependencies: ["AWSAuth"]),
        .executableTarget(
            name: "msk-iam-token",
            dependencies: [
                "AWSAuth",
                "MSKAuth",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // An offline stand-in for MSK's IAM front door: a SASL/OAUTHBEARER gateway over the mock
        // cluster that validates MSK IAM tokens, plus local STS, IMDSv2 and ECS endpoints.
        .target(
            name: "MSKLocal",
            dependencies: [
                "AWSAuth",
                "MSKKafkaTesting",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "msk-local",
            dependencies: [
                "MSKLocal",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Helpers shared by the test targets: package paths, Python reference scripts, loopback servers.
        .target(name: "TestSupport", dependencies: ["AWSAuth"], path: "Tests/TestSupport"),
        // What the command-line clients share: connection and authentication options, output.
        .target(
            name: "KafkaCommandLine",
            dependencies: [
                "AWSAuth",
                "MSKKafka",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "kafka-dead-letters",
            dependencies: [
                "MSKKafka",
                "KafkaCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // kafka-soak's logic: payload codec, verifier, layout, report model and judgement, HTML/SVG.
        .target(
            name: "KafkaSoak",
            dependencies: [
                "MSKLocal",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .executableTarget(
            name: "kafka-soak",
            dependencies: [
                "KafkaSoak",
                "MSKKafka",
                "KafkaCommandLine",
                "MSKLocal",
                "AWSAuth",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Plain librdkafka in C: the reference kafka-bench measures the Swift producer against.
        .target(name: "CRawProducer", dependencies: ["CRdKafka"], path: "Sources/CRawProducer"),
        .executableTarget(
            name: "kafka-bench",
            dependencies: [
                "AWSAuth",
                "MSKAuth",
                "MSKKafka",
                "MSKKafkaTesting",
                "CRdKafka",
                "CRawProducer",
                "KafkaCommandLine",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .testTarget(name: "AWSAuthTests", dependencies: ["AWSAuth", "AWSAuthTesting", "TestSupport", .product(name: "Logging", package: "swift-log")], exclude: ["Fixtures"]),
        .testTarget(name: "MSKAuthTests", dependencies: ["MSKAuth", "AWSAuth", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "MSKLocalTests", dependencies: ["MSKLocal", "MSKKafka", "MSKAuth", "AWSAuth", "TestSupport", .product(name: "Logging", package: "swift-log")], exclude: ["Fixtures"]),
        .testTarget(name: "KafkaCommandLineTests", dependencies: ["KafkaCommandLine", "AWSAuth"]),
        // The benchmark's C reference, against the mock cluster.
        .testTarget(name: "CRawProducerTests", dependencies: ["CRawProducer", "MSKKafkaTesting", "TestSupport"]),
        .testTarget(name: "KafkaSoakTests", dependencies: ["KafkaSoak", "MSKLocal", "TestSupport"]),
        .testTarget(name: "MSKKafkaTests", dependencies: [
            "MSKKafka", "MSKKafkaTesting", "MSKLocal", "MSKAuth", "AWSAuth", "AWSAuthTesting", "CRdKafka", "TestSupport", .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"), .product(name: "MetricsTestKit", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Tracing", package: "swift-distributed-tracing"), .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
