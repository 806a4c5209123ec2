import Foundation

/// Paths inside the package checkout, found from this file's location (no resource bundles).
public enum PackagePaths {
    /// The package root.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// `scripts/`.
    public static let scripts = root.appendingPathComponent("scripts")

    /// `Tests/<target>/Fixtures/<name>`.
    public static func fixture(_ name: String, target: String) -> URL {
        root.appendingPathComponent("Tests/\(target)/Fixtures/\(name)")
    }

    /// `../shared/vectors/<name>` beside the checkout when present (the team's reference
    /// outputs), else the copy committed with the MSKAuth tests.
    public static func vector(_ name: String) -> URL {
        let shared = root.deletingLastPathComponent().appendingPathComponent("shared/vectors/\(name)")
        return FileManager.default.fileExists(atPath: shared.path) ? shared : fixture(name, target: "MSKAuthTests")
    }
}

/// Runs `python3 <script>` with `input` on stdin and returns its stdout; throws with stderr on failure.
public enum PythonReference {
    /// The script failed; `description` has its exit status and stderr.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs the script to completion.
    public static func run(script: URL, input: Data) throws -> Data {
        let outcome = try ChildProcess.run("python3", [script.path], input: input)
        guard outcome.status == 0 else {
            throw Failure(description: "\(script.lastPathComponent) exited \(outcome.status): \(outcome.stderr)")
        }
        return outcome.stdout
    }
}
