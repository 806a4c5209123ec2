import Foundation

/// STS's XML answers (Query API, `2011-06-15`), built as text.
enum STSXML {
    static let namespace = "https://sts.amazonaws.com/doc/2011-06-15/"

    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            default: result.append(character)
            }
        }
        return result
    }

    static func error(type: String = "Sender", code: String, message: String, requestID: String) -> String {
        """
        <ErrorResponse xmlns="\(namespace)"><Error><Type>\(type)</Type><Code>\(escape(code))</Code>\
        <Message>\(escape(message))</Message></Error><RequestId>\(requestID)</RequestId></ErrorResponse>
        """
    }

    static func credentials(_ issued: IssuedCredentials) -> String {
        let credentials = issued.credentials
        return """
        <Credentials><AccessKeyId>\(credentials.accessKeyID)</AccessKeyId>\
        <SecretAccessKey>\(escape(credentials.secretAccessKey))</SecretAccessKey>\
        <SessionToken>\(escape(credentials.sessionToken ?? ""))</SessionToken>\
        <Expiration>\(iso8601(credentials.expiration ?? Date()))</Expiration></Credentials>
        """
    }

    static func result(action: String, body: String, requestID: String) -> String {
        """
        <\(action)Response xmlns="\(namespace)"><\(action)Result>\(body)</\(action)Result>\
        <ResponseMetadata><RequestId>\(requestID)</RequestId></ResponseMetadata></\(action)Response>
        """
    }

    /// `2026-11-22T18:00:00Z`
    static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
