import Testing
@testable import MSKKafka

@Suite struct LinkTests {
    @Test func linksTheSystemLibrdkafka() {
        #expect(librdkafkaVersion.hasPrefix("2."))
    }
}
