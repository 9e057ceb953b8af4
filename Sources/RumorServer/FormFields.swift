import Foundation

/// Fields of an `application/x-www-form-urlencoded` text: a query string or an HTML form's body.
enum FormFields {
    /// The fields by name (the first value of a repeated name wins), or nil when the text is not valid form encoding
    /// (a bad percent escape, or bytes that are not UTF-8 once decoded).
    static func parse(_ text: Substring) -> [String: String]? {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]), let value = decode(parts.count > 1 ? parts[1] : "") else { return nil }
            if fields[name] == nil { fields[name] = value }
        }
        return fields
    }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
