/// An error from reading or validating knowledge-base entries.
///
/// Equality compares the ``code`` only, so tests can match on the kind of failure.
public struct KnowledgeBaseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kinds of failure.
    public enum Code: String, Sendable, Hashable {
        /// One or more entry files are malformed or invalid; ``issues`` says where and why.
        case invalidEntries
        /// A file could not be read.
        case unreadableFile
        /// No entry has the requested slug.
        case unknownSlug
    }

    /// What went wrong, in kind.
    public let code: Code
    /// A message for people: what, where, what to do.
    public let message: String
    /// For ``Code/invalidEntries``: every problem found, each with its file and line.
    public let issues: [EntryIssue]
    /// Where the error was made (for debugging).
    public let location: String

    /// The message, then one line per issue.
    public var description: String {
        ([message] + issues.map(\.description)).joined(separator: "\n")
    }

    /// Entry files that failed to parse or validate.
    public static func invalidEntries(_ issues: [EntryIssue], fileID: String = #fileID, line: Int = #line) -> Self {
        let files = Set(issues.compactMap(\.file)).count
        let message = "\(issues.count) problem\(issues.count == 1 ? "" : "s") in \(files) file\(files == 1 ? "" : "s"); nothing was imported."
        return Self(code: .invalidEntries, message: message, issues: issues, location: "\(fileID):\(line)")
    }

    /// A file that could not be read at all.
    public static func unreadableFile(_ path: String, reason: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .unreadableFile, message: "\(path): cannot read: \(reason)", issues: [], location: "\(fileID):\(line)")
    }

    /// A slug that names no entry.
    public static func unknownSlug(_ slug: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(
            code: .unknownSlug, message: "no entry has the slug '\(slug)'; `rumorctl list` shows the slugs there are.", issues: [],
            location: "\(fileID):\(line)")
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

/// One problem with one field of an entry, located as precisely as the input allows.
public struct EntryIssue: Sendable, Hashable, CustomStringConvertible {
    /// The file the entry came from, when it came from a file.
    public var file: String?
    /// The 1-based line of the offending value in that file, when known.
    public var line: Int?
    /// The field's path, e.g. `sources[1].url`; `(file)` for problems with the file as a whole.
    public var field: String
    /// What is wrong, and what is expected instead.
    public var message: String

    /// Creates an issue.
    public init(file: String? = nil, line: Int? = nil, field: String, message: String) {
        self.file = file
        self.line = line
        self.field = field
        self.message = message
    }

    /// `file:line: field: message`, leaving out what is unknown.
    public var description: String {
        var prefix = ""
        if let file { prefix += "\(file):" }
        if let line { prefix += "\(line):" }
        return (prefix.isEmpty ? "" : prefix + " ") + "\(field): \(message)"
    }
}
