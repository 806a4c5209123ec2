import TestSupport
import Testing
@testable import MSKAuth

@Suite struct MSKIAMTokenTests {
    @Test func descriptionNeverShowsTheToken() {
        let token = MSKIAMToken(value: "aHR0cHM6Ly9zZWNyZXQ", lifetimeMs: 1, principal: "AKIDEXAMPLE")
        #expect(!token.description.contains("aHR0cHM6Ly9zZWNyZXQ"))
        #expect(!String(reflecting: token).contains("aHR0cHM6Ly9zZWNyZXQ"))
    }
}
