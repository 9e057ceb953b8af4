import Foundation

/// Renders the small Markdown subset entries use (paragraphs, `-` lists, `**strong**`, `*emphasis*`, `` `code` ``,
/// `[text](https://…)` links) to HTML, safely.
///
/// Everything is escaped first and only these constructs become tags, so raw HTML in an entry shows as text and a
/// link can only point to `http:` or `https:`.
public enum Markdown {
    /// The HTML for a Markdown text.
    public static func html(_ markdown: String) -> String {
        var html = ""
        for block in markdown.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n") {
            let lines = block.split(separator: "\n", omittingEmptySubsequences: true).map { $0.trimmingCharacters(in: .whitespaces) }
            guard !lines.isEmpty else { continue }
            if lines.allSatisfy({ $0.hasPrefix("- ") || $0.hasPrefix("* ") }) {
                html += "<ul>" + lines.map { "<li>" + inline(String($0.dropFirst(2))) + "</li>" }.joined() + "</ul>\n"
            } else {
                html += "<p>" + inline(lines.joined(separator: " ")) + "</p>\n"
            }
        }
        return html
    }

    /// Inline markup of one paragraph or list item.
    static func inline(_ text: String) -> String {
        var output = ""
        var rest = Substring(text)
        while let first = rest.first {
            if first == "`", let end = rest.dropFirst().firstIndex(of: "`") {
                output += "<code>" + HTMLText.escape(rest[rest.index(after: rest.startIndex)..<end]) + "</code>"
                rest = rest[rest.index(after: end)...]
            } else if rest.hasPrefix("**"), let end = rest.dropFirst(2).range(of: "**") {
                output += "<strong>" + inline(String(rest[rest.index(rest.startIndex, offsetBy: 2)..<end.lowerBound])) + "</strong>"
                rest = rest[end.upperBound...]
            } else if first == "*", let end = rest.dropFirst().firstIndex(of: "*"), end > rest.index(after: rest.startIndex) {
                output += "<em>" + inline(String(rest[rest.index(after: rest.startIndex)..<end])) + "</em>"
                rest = rest[rest.index(after: end)...]
            } else if first == "[", let link = link(at: rest) {
                output += link.html
                rest = link.rest
            } else {
                output += HTMLText.escape(String(first))
                rest = rest.dropFirst()
            }
        }
        return output
    }

    /// A `[text](url)` link at the start of `text`, when it is one with a web address.
    private static func link(at text: Substring) -> (html: String, rest: Substring)? {
        guard let close = text.firstIndex(of: "]"), text[close...].dropFirst().first == "(",
            let end = text[close...].firstIndex(of: ")")
        else { return nil }
        let label = text[text.index(after: text.startIndex)..<close]
        let url = text[text.index(close, offsetBy: 2)..<end]
        guard url.hasPrefix("https://") || url.hasPrefix("http://"), !url.contains(where: \.isWhitespace) else { return nil }
        return ("<a href=\"\(HTMLText.escape(url))\">\(inline(String(label)))</a>", text[text.index(after: end)...])
    }
}

/// Escaping for text placed in HTML or XML.
public enum HTMLText {
    /// The text with `&`, `<`, `>`, `"` and `'` replaced by character references.
    public static func escape(_ text: some StringProtocol) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            default: output.unicodeScalars.append(character)
            }
        }
        return output
    }
}
