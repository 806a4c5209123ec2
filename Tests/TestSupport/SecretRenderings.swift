/// Every way a value is commonly turned into text — `print`, string interpolation,
/// `String(reflecting:)`, `dump` and a walk of its `Mirror` — for tests that assert a secret
/// shows up in none of them.
public func everyRendering(of value: Any) -> [String] {
    var dumped = ""
    dump(value, to: &dumped)
    var walked = ""
    func walk(_ subject: Any, depth: Int) {
        guard depth < 8 else { return }
        for child in Mirror(reflecting: subject).children {
            walked += "\(child.label ?? "_")=\(String(reflecting: child.value));"
            walk(child.value, depth: depth + 1)
        }
    }
    walk(value, depth: 0)
    return [String(describing: value), "\(value)", String(reflecting: value), dumped, walked]
}
