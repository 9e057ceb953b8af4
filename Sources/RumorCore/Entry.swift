/// One rumor and its reality, with its sources and history: the unit of the knowledge base.
///
/// An entry is a value: every edit makes a new ``version`` and the store keeps the old ones.
/// The field names in JSON are the ones of `kb/entry.schema.json` (snake case).
public struct Entry: Sendable, Hashable, Codable {
    /// Stable identifier used in URLs and by the matcher's labels (`[a-z0-9-]`, unique).
    public var slug: String
    /// A short headline for lists and page titles.
    public var title: String
    /// The rumor as people spread it, in one line.
    public var rumor: String
    /// What is true, in one or two sentences.
    public var reality: String
    /// One to three paragraphs of Markdown.
    public var details: String
    /// The public statements the reality rests on.
    public var sources: [Source]
    /// Topic slugs, e.g. `voting-machines`.
    public var topics: [String]
    /// ISO 3166 codes of the places concerned, e.g. `US`, `US-GA`.
    public var jurisdictions: [String]
    /// Names and terms that identify the rumor (Dominion, Sharpie); used by search and the matcher.
    public var keywords: [String]
    /// Ways people actually word the rumor (hashtags, slang, other languages); used by the matcher.
    public var phrasings: [String]
    /// Ways people correct or deny the rumor; the matcher's stance check uses them to tell a post that
    /// debunks the rumor from one that spreads it.
    public var corrections: [String]
    /// BCP 47 tag of the entry's text.
    public var language: String
    /// Where the entry stands in the editorial workflow.
    public var status: EntryStatus
    /// The version number, assigned by the store (1 for the first).
    public var version: Int
    /// The day the entry was first written (`YYYY-MM-DD`).
    public var created: String
    /// The day its text last changed (`YYYY-MM-DD`).
    public var updated: String
    /// The day an editor last checked it against its sources (`YYYY-MM-DD`).
    public var lastReviewed: String

    /// Creates an entry; no validation happens here (see ``validationIssues()``).
    public init(
        slug: String, title: String, rumor: String, reality: String, details: String, sources: [Source],
        topics: [String], jurisdictions: [String], keywords: [String] = [], phrasings: [String], corrections: [String] = [], language: String = "en",
        status: EntryStatus = .published, version: Int = 1, created: String, updated: String, lastReviewed: String
    ) {
        self.slug = slug
        self.title = title
        self.rumor = rumor
        self.reality = reality
        self.details = details
        self.sources = sources
        self.topics = topics
        self.jurisdictions = jurisdictions
        self.keywords = keywords
        self.phrasings = phrasings
        self.corrections = corrections
        self.language = language
        self.status = status
        self.version = version
        self.created = created
        self.updated = updated
        self.lastReviewed = lastReviewed
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case slug, title, rumor, reality, details, sources, topics, jurisdictions, keywords, phrasings, corrections, language, status, version,
            created, updated
        case lastReviewed = "last_reviewed"
    }

    /// Whether two entries say the same thing, ignoring the bookkeeping the store assigns (version, status).
    public func hasSameContent(as other: Entry) -> Bool {
        var mine = self
        mine.version = other.version
        mine.status = other.status
        return mine == other
    }
}

/// A public statement cited by an entry.
public struct Source: Sendable, Hashable, Codable {
    /// The statement's title, e.g. "Joint Statement from Elections Infrastructure ...".
    public var title: String
    /// Who published it, e.g. "Cybersecurity and Infrastructure Security Agency".
    public var publisher: String
    /// Where to read it (`http` or `https`).
    public var url: String
    /// `YYYY-MM-DD`, or `YYYY-MM` when only the month is known.
    public var date: String

    /// Creates a source citation.
    public init(title: String, publisher: String, url: String, date: String) {
        self.title = title
        self.publisher = publisher
        self.url = url
        self.date = date
    }
}

/// The editorial state of an entry.
public enum EntryStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Being written; not public.
    case draft
    /// Submitted and waiting for a reviewer.
    case inReview = "in_review"
    /// Public.
    case published
    /// Withdrawn with a public reason; the page stays as a tombstone.
    case retracted
}
