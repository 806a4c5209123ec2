import Foundation

/// A self-signed certificate for the gateway's TLS listeners, valid for `127.0.0.1` and
/// `localhost`, made with the `openssl` command at start. It is its own CA: clients trust it
/// with `ssl.ca.location` = ``certificatePath``.
struct LocalCertificate {
    let certificatePath: String
    let privateKeyPath: String

    /// Generates a P-256 key and certificate (2 days) in a fresh temporary directory.
    static func generate() throws(MSKLocalError) -> LocalCertificate {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("msk-local-tls-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw .invalidConfiguration(name: "tls", reason: "cannot create \(directory.path): \(error)")
        }
        let certificate = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", certificate, "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw .invalidConfiguration(name: "tls", reason: "cannot run openssl to make a certificate: \(error)")
        }
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw .invalidConfiguration(name: "tls", reason: "openssl failed (\(process.terminationStatus)): \(message)")
        }
        return LocalCertificate(certificatePath: certificate, privateKeyPath: key)
    }
}
