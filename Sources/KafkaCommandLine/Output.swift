import Foundation

/// The current resident set size of this process, in bytes (Linux `/proc/self/statm`).
public func residentMemoryBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// Writes one JSON object per line on stdout (what the soak driver reads), at once.
public func emitJSONLine(_ value: some Encodable) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    guard let data = try? encoder.encode(value) else { return }
    FileHandle.standardOutput.write(data + Data("\n".utf8))
}

/// Writes a human-readable line on stderr.
public func emitText(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
