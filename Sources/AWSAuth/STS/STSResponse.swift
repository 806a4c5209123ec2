import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The parts of an STS XML answer this library uses, read with `XMLParser`.
struct STSResponse {
    /// Text of leaf elements by name (`AccessKeyId`, `Arn`, `Code`, `RequestId`, ...). STS's
    /// documents never repeat these names in different meanings.
    let fields: [String: String]

    static func parse(_ body: Data) -> STSResponse? {
        let collector = LeafCollector()
        let parser = XMLParser(data: body)
        parser.delegate = collector
        guard parser.parse(), collector.sawRoot else { return nil }
        return STSResponse(fields: collector.fields)
    }

    /// Credentials from an `AssumeRole*Result`, or why there are none.
    func credentials(action: String, status: Int) throws(STSError) -> AWSCredentials {
        func field(_ name: String) throws(STSError) -> String {
            guard let value = fields[name], !value.isEmpty else {
                throw .malformedResponse(action: action, status: status, reason: "missing <\(name)>")
            }
            return value
        }
        let expirationText = try field("Expiration")
        guard let expiration = AWSTimestamp.parse(expirationText) else {
            throw .malformedResponse(action: action, status: status, reason: "unreadable <Expiration> '\(expirationText)'")
        }
        return AWSCredentials(
            accessKeyID: try field("AccessKeyId"),
            secretAccessKey: try field("SecretAccessKey"),
            sessionToken: try field("SessionToken"),
            expiration: expiration
        )
    }

    private final class LeafCollector: NSObject, XMLParserDelegate {
        var fields: [String: String] = [:]
        var sawRoot = false
        private var text = ""

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            sawRoot = true
            text = ""
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            text += string
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if !value.isEmpty, fields[elementName] == nil { fields[elementName] = value }
            text = ""
        }
    }
}
