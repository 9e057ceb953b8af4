import Foundation
import HTTPTypes
import Mustache

/// Renders the site's Mustache templates (shipped in the module's `templates` folder). Mustache escapes every
/// `{{value}}` for HTML; only values the server produced as HTML itself (rendered Markdown, JSON-LD) use `{{{ }}}`.
struct PageRenderer: Sendable {
    private let library: MustacheLibrary

    /// Loads the templates.
    /// - Throws: when the templates are missing or do not parse (a broken build, not bad input).
    init() async throws {
        guard let directory = Bundle.module.url(forResource: "templates", withExtension: nil) else {
            throw Problem(.internalServerError, detail: "the site's templates are missing from the program's resources")
        }
        library = try await MustacheLibrary(directory: directory.path)
    }

    /// The HTML of a page.
    func render(_ view: Any, template: String) -> String {
        library.render(view, withTemplate: template) ?? "<!doctype html><title>Template \(template) missing</title>"
    }
}

/// What every page's frame needs: the language, the stylesheet's address and the search box's text.
struct Chrome {
    var language = "en"
    var stylesheet: String
    var query = ""
}

/// An entry in a list of entries.
struct CardView {
    var url: String
    var title: String
    var rumor: String
    var reality: String
    var snippet: String?
    var retracted: Bool
}

/// A link to a topic page.
struct TopicLink {
    var url: String
    var name: String
    var count: Int
    var last: Bool
}

/// The home page.
struct HomeView {
    var chrome: Chrome
    var newest: [CardView]
    var updated: [CardView]
    var topics: [TopicLink]
    var entries: [CardView]
}

/// One row of an entry's version history.
struct VersionRow {
    var version: Int
    var updated: String
    var status: String
    var receiptURL: String
    var recordURL: String
}

/// Why, when and by whom an entry was retracted (from its log record).
struct RetractionView {
    var reason: String
    var date: String
    var signers: String
}

/// An entry's page.
struct EntryView {
    var chrome: Chrome
    var title: String
    var rumor: String
    var reality: String
    var detailsHTML: String
    var sources: [SourceView]
    var topics: [TopicLink]
    var jurisdictions: String
    var created: String
    var updated: String
    var lastReviewed: String
    var version: Int
    var versions: [VersionRow]
    var retraction: RetractionView?
    var compareURL: String?
    var language: String
    var canonicalURL: String
    var apiURL: String
    var claimReviewJSON: String
}

/// A source in an entry's page.
struct SourceView {
    var title: String
    var publisher: String
    var url: String
    var date: String
}

/// The list of topics.
struct TopicsView {
    var chrome: Chrome
    var topics: [TopicLink]
}

/// A topic's page.
struct TopicView {
    var chrome: Chrome
    var name: String
    var entries: [CardView]
}

/// The search page, with or without results.
struct SearchView {
    var chrome: Chrome
    var query: String
    var hasQuery: Bool
    var resultCount: Int
    var resultNoun: String
    var results: [CardView]
}

/// The check-a-post page.
struct CheckView {
    var chrome: Chrome
    var text: String
    var checked: CheckResultView?
    var unavailable: String?
}

/// What the matcher found in a checked post.
struct CheckResultView {
    var summary: String
    var hasMatches: Bool
    var highlightedHTML: String
    var labels: [LabelView]
}

/// One label of a checked post.
struct LabelView {
    var slug: String
    var title: String
    var url: String
    var labelText: String
    var reality: String
    var spanText: String
    var decision: String
    var decisionText: String
    var score: String
}

/// An error page.
struct ErrorView {
    var chrome: Chrome
    var title: String
    var detail: String
}
