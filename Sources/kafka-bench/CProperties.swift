import Foundation

/// librdkafka properties as the C reference takes them: name, value, name, value, ... as C
/// strings, alive for the duration of `body`.
func withCProperties<Result>(_ properties: [(String, String)], _ body: (UnsafeBufferPointer<UnsafePointer<CChar>?>) -> Result) -> Result {
    let strings: [String] = properties.flatMap { [$0.0, $0.1] }
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    let pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } }
    return pointers.withUnsafeBufferPointer(body)
}
