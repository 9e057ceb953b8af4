/// Reads entry files (`kb/<slug>.json`, `rumorctl import`) into ``Entry`` values, reporting every problem
/// with its file, line and field.
public enum EntryFile {
    /// Parses and validates one entry file.
    /// - Parameters:
    ///   - bytes: the file's contents (UTF-8 JSON).
    ///   - path: the file's name, used in issues.
    /// - Returns: the entry, or every issue found (syntax errors stop at the first; field errors are all reported).
    public static func decode(_ bytes: some Collection<UInt8>, path: String? = nil) -> Result<Entry, KnowledgeBaseError> {
        let root: JSONNode
        do {
            root = try JSONParser.parse(bytes)
        } catch {
            let issue = EntryIssue(file: path, line: error.line, field: "(syntax)", message: "\(error.message) (column \(error.column))")
            return .failure(.invalidEntries([issue]))
        }
        var reader = FieldReader(root: root)
        let entry = reader.entry()
        let typeErrorFields = Set(reader.issues.map(\.topLevelField))
        let ruleIssues = entry.validationIssues()
            .filter { !typeErrorFields.contains($0.topLevelField) }
            .map { issue in
                var located = issue
                located.line = root.line(atPath: issue.field)
                return located
            }
        let issues = (reader.issues + ruleIssues).map { issue in
            var located = issue
            located.file = path
            return located
        }
        return issues.isEmpty ? .success(entry) : .failure(.invalidEntries(issues.sorted { ($0.line ?? 0) < ($1.line ?? 0) }))
    }
}

extension EntryIssue {
    /// `sources` for `sources[2].url`.
    var topLevelField: Substring {
        field.prefix { $0 != "[" && $0 != "." }
    }
}

extension JSONNode {
    /// The line of the value at a path such as `sources[2].url`, or of the nearest enclosing value that exists.
    func line(atPath path: String) -> Int {
        var node = self
        for component in path.split(whereSeparator: { $0 == "." || $0 == "[" }) {
            if component.hasSuffix("]"), let index = Int(component.dropLast()) {
                guard case .array(let elements) = node.value, elements.indices.contains(index) else { break }
                node = elements[index]
            } else if let member = node[String(component)] {
                node = member
            } else {
                break
            }
        }
        return node.line
    }
}

/// Reads an entry's fields from a parsed document, noting each missing or mistyped one.
private struct FieldReader {
    let root: JSONNode
    var issues: [EntryIssue] = []

    init(root: JSONNode) { self.root = root }

    mutating func entry() -> Entry {
        guard case .object(let members) = root.value else {
            issues.append(EntryIssue(line: root.line, field: "(file)", message: "expected a JSON object with the entry's fields, found \(root.typeName)"))
            return Entry(slug: "", title: "", rumor: "", reality: "", details: "", sources: [], topics: [], jurisdictions: [], phrasings: [],
                         created: "", updated: "", lastReviewed: "")
        }
        let known = Set(Entry.CodingKeys.allCases.map(\.rawValue))
        for member in members where !known.contains(member.key) {
            issues.append(EntryIssue(line: member.node.line, field: member.key,
                                     message: "unknown field; the fields are \(Entry.CodingKeys.allCases.map(\.rawValue).joined(separator: ", "))"))
        }
        return Entry(
            slug: string("slug"), title: string("title"), rumor: string("rumor"), reality: string("reality"), details: string("details"),
            sources: sources(), topics: strings("topics"), jurisdictions: strings("jurisdictions"),
            keywords: strings("keywords", required: false), phrasings: strings("phrasings"),
            corrections: strings("corrections", required: false),
            language: string("language"), status: status(), version: version(),
            created: string("created"), updated: string("updated"), lastReviewed: string("last_reviewed"))
    }

    private mutating func missing(_ field: String, _ expected: String) {
        issues.append(EntryIssue(line: root.line, field: field, message: "is missing; add \(expected)"))
    }

    private mutating func wrongType(_ field: String, _ node: JSONNode, _ expected: String) {
        issues.append(EntryIssue(line: node.line, field: field, message: "expected \(expected), found \(node.typeName)"))
    }

    private mutating func string(_ key: String, in object: JSONNode? = nil, path: String? = nil) -> String {
        let field = path ?? key
        guard let node = (object ?? root)[key] else {
            missing(field, "a string")
            return ""
        }
        guard case .string(let value) = node.value else {
            wrongType(field, node, "a string")
            return ""
        }
        return value
    }

    private mutating func strings(_ key: String, required: Bool = true) -> [String] {
        guard let node = root[key] else {
            if required { missing(key, "an array of strings") }
            return []
        }
        guard case .array(let elements) = node.value else {
            wrongType(key, node, "an array of strings")
            return []
        }
        return elements.enumerated().compactMap { index, element in
            guard case .string(let value) = element.value else {
                wrongType("\(key)[\(index)]", element, "a string")
                return nil
            }
            return value
        }
    }

    private mutating func sources() -> [Source] {
        guard let node = root["sources"] else {
            missing("sources", "an array of {title, publisher, url, date} objects")
            return []
        }
        guard case .array(let elements) = node.value else {
            wrongType("sources", node, "an array of {title, publisher, url, date} objects")
            return []
        }
        return elements.enumerated().compactMap { index, element in
            let path = "sources[\(index)]"
            guard case .object(let members) = element.value else {
                wrongType(path, element, "an object with title, publisher, url and date")
                return nil
            }
            for member in members where !["title", "publisher", "url", "date"].contains(member.key) {
                issues.append(EntryIssue(line: member.node.line, field: "\(path).\(member.key)",
                                         message: "unknown field; a source has title, publisher, url and date"))
            }
            return Source(
                title: string("title", in: element, path: "\(path).title"), publisher: string("publisher", in: element, path: "\(path).publisher"),
                url: string("url", in: element, path: "\(path).url"), date: string("date", in: element, path: "\(path).date"))
        }
    }

    private mutating func status() -> EntryStatus {
        guard let node = root["status"] else { return .published }
        let names = EntryStatus.allCases.map(\.rawValue).joined(separator: ", ")
        guard case .string(let value) = node.value, let status = EntryStatus(rawValue: value) else {
            issues.append(EntryIssue(line: node.line, field: "status", message: "expected one of \(names)"))
            return .published
        }
        return status
    }

    private mutating func version() -> Int {
        guard let node = root["version"] else { return 1 }
        guard case .number(let text) = node.value, let value = Int(text) else {
            wrongType("version", node, "a whole number")
            return 1
        }
        return value
    }
}
