/// A schema.org `ClaimReview`: the structured-data form of an entry that search engines and
/// fact-check aggregators read.
///
/// Built from a published entry with ``init(entry:url:publisher:)``; encode it with `JSONEncoder` to get JSON-LD.
public struct ClaimReview: Sendable, Hashable, Codable {
    /// A schema.org `Organization` or `Person`.
    public struct Party: Sendable, Hashable, Codable {
        enum CodingKeys: String, CodingKey {
            case type = "@type"
            case name, url
        }
        /// `Organization` or `Person`.
        public var type: String
        /// Its name.
        public var name: String
        /// Its home page, when known.
        public var url: String?
    }

    /// A schema.org `Rating` with the verdict in words.
    public struct Rating: Sendable, Hashable, Codable {
        enum CodingKeys: String, CodingKey {
            case type = "@type"
            case ratingValue, bestRating, worstRating, alternateName
        }
        /// `Rating`.
        public var type = "Rating"
        /// 1 (false) on a scale of 1 to 5.
        public var ratingValue: Int
        /// 5.
        public var bestRating: Int
        /// 1.
        public var worstRating: Int
        /// The verdict in words, e.g. `False`.
        public var alternateName: String
    }

    /// The claim reviewed, as a schema.org `Claim`.
    public struct Claim: Sendable, Hashable, Codable {
        enum CodingKeys: String, CodingKey {
            case type = "@type"
            case name, datePublished, appearance
        }
        /// `Claim`.
        public var type = "Claim"
        /// The claim's words.
        public var name: String
        /// When the claim was first seen, when known.
        public var datePublished: String?
        /// Where it appeared: `CreativeWork`s; empty when not recorded.
        public var appearance: [Party]?
    }

    enum CodingKeys: String, CodingKey {
        case context = "@context"
        case type = "@type"
        case url, claimReviewed, reviewBody, datePublished, dateModified, inLanguage, author, reviewRating, itemReviewed
    }

    /// `https://schema.org`.
    public var context = "https://schema.org"
    /// `ClaimReview`.
    public var type = "ClaimReview"
    /// The entry's page.
    public var url: String
    /// The rumor, as people spread it.
    public var claimReviewed: String
    /// The reality.
    public var reviewBody: String
    /// When the entry was first published.
    public var datePublished: String
    /// When its text last changed.
    public var dateModified: String
    /// The entry's language.
    public var inLanguage: String
    /// Who reviewed the claim (the site's publisher).
    public var author: Party
    /// The verdict.
    public var reviewRating: Rating
    /// The claim itself.
    public var itemReviewed: Claim

    /// The verdict RumorControl gives every published rumor: false on schema.org's 1-5 scale.
    public static let falseRating = Rating(ratingValue: 1, bestRating: 5, worstRating: 1, alternateName: "False")

    /// Builds the review of an entry.
    /// - Parameters:
    ///   - entry: a published entry.
    ///   - url: the absolute URL of the entry's page.
    ///   - publisher: the organisation that runs the site.
    public init(entry: Entry, url: String, publisher: Party) {
        self.url = url
        claimReviewed = entry.rumor
        reviewBody = entry.reality
        datePublished = entry.created
        dateModified = entry.updated
        inLanguage = entry.language
        author = publisher
        reviewRating = Self.falseRating
        itemReviewed = Claim(name: entry.rumor, datePublished: nil, appearance: nil)
    }
}

extension ClaimReview.Party {
    /// An organisation.
    public static func organization(name: String, url: String?) -> Self {
        Self(type: "Organization", name: name, url: url)
    }
}
