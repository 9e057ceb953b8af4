import RumorCore

/// Where entries live. The domain and HTTP layers talk to this protocol only, so the database underneath
/// (SQLite by default) can change without them knowing.
public protocol EntryStore: Sendable {
    /// The latest version of every entry, ordered by slug.
    /// - Parameter status: only entries whose latest version has this status; nil for all.
    func entries(status: EntryStatus?) async throws -> [Entry]

    /// The latest version of one entry, or nil when no entry has the slug.
    func entry(slug: String) async throws -> Entry?

    /// Every version of one entry, oldest first; empty when no entry has the slug.
    func versions(slug: String) async throws -> [Entry]

    /// Records entries in one transaction: all of them or, when anything fails, none.
    ///
    /// A new slug is created at version 1; a known slug whose content differs from its latest version gets a new
    /// version (the old ones are kept); a known slug with the same content is left alone.
    /// - Parameters:
    ///   - entries: valid entries with distinct slugs; their `version` is ignored.
    ///   - actor: who is recording them (a user name, or `import` / `kb-seed`).
    /// - Returns: what happened to each entry, in the order given.
    func record(_ entries: [Entry], actor: String) async throws -> [ImportOutcome]
}

/// What an import did with one entry.
public struct ImportOutcome: Sendable, Hashable {
    /// What happened.
    public enum Change: String, Sendable, Hashable {
        /// A new entry, at version 1.
        case created
        /// A new version of a known entry.
        case newVersion = "new version"
        /// The content equals the latest version; nothing was written.
        case unchanged
    }

    /// The entry's slug.
    public var slug: String
    /// The entry's latest version after the import.
    public var version: Int
    /// What happened.
    public var change: Change

    /// Creates an outcome.
    public init(slug: String, version: Int, change: Change) {
        self.slug = slug
        self.version = version
        self.change = change
    }
}
