import Foundation
import RumorCore
import RumorLedger
import RumorStore

/// The public site as of one moment: the published entries and every page and document made from them, rendered
/// once so that serving a page is a dictionary lookup.
///
/// A new snapshot replaces the old one whenever the knowledge base changes.
struct SiteSnapshot: Sendable {
    /// The published entries, by slug.
    let entries: [Entry]
    /// Rendered pages and documents by path (`/`, `/rumors/<slug>`, `/feed.atom`, `/api/v1/entries`, …).
    let resources: [String: CachedResource]
    /// The index behind `/search`.
    let search: SearchIndex

    /// Reads the store and renders everything.
    static func build(
        store: any EntryStore, configuration: ServerConfiguration, renderer: PageRenderer, stylesheet: String, records: [String: LogRecord]
    ) async throws -> SiteSnapshot {
        // Retracted entries stay up as tombstones (and in the API, so monitors can check them); lists show published ones.
        let all = try await store.entries(status: nil).filter { $0.status == .published || $0.status == .retracted }
        let entries = all.filter { $0.status == .published }
        var versions: [String: [Entry]] = [:]
        for entry in all { versions[entry.slug] = try await store.versions(slug: entry.slug).filter { $0.status == .published || $0.status == .retracted } }
        let pages = SitePages(entries: entries, configuration: configuration, stylesheet: stylesheet)
        let pageCache = "public, max-age=\(configuration.pageMaxAge)"
        var resources: [String: CachedResource] = [:]
        func add(_ path: String, route: String? = nil, _ text: String, _ type: String) {
            resources[path] = CachedResource(text, contentType: type, cacheControl: pageCache, route: route ?? path)
        }
        add(SitePath.home, renderer.render(pages.home(), template: "home"), MediaTypes.html)
        add(SitePath.topics, renderer.render(pages.topicList(), template: "topics"), MediaTypes.html)
        for topic in pages.topics {
            add(SitePath.topic(topic), route: SitePath.topic("{topic}"), renderer.render(pages.topic(topic), template: "topic"), MediaTypes.html)
        }
        for entry in all {
            let retraction = entry.status == .retracted ? records[entry.slug] : nil
            let page = renderer.render(pages.entry(entry, versions: versions[entry.slug] ?? [entry], retraction: retraction), template: "entry")
            add(SiteURL.entryPath(slug: entry.slug), route: SiteURL.entryPath(slug: "{slug}"), page, MediaTypes.html)
            add(SitePath.apiEntry(entry.slug), route: SitePath.apiEntry("{slug}"), entry.jsonValue.serialized(pretty: true), MediaTypes.json)
        }
        add(SitePath.apiEntries, JSONValue.members([("entries", .array(all.map { JSONNode($0.jsonValue, line: 0) }))]).serialized(pretty: true), MediaTypes.json)
        add(SitePath.feed, SiteFeeds.atom(entries: entries, configuration: configuration), MediaTypes.atom)
        add(SitePath.sitemap, SiteFeeds.sitemap(entries: all, topics: pages.topics, base: configuration.baseURL), MediaTypes.xml)
        add(SitePath.robots, SiteFeeds.robots(base: configuration.baseURL), MediaTypes.text)
        return SiteSnapshot(entries: entries, resources: resources, search: SearchIndex(entries: entries))
    }
}

/// The site's fixed paths, in one place. Entry pages are ``SiteURL/entryPath(slug:)``.
enum SitePath {
    static let home = "/"
    static let topics = "/topics"
    static func topic(_ topic: String) -> String { "/topics/" + topic }
    static let search = "/search"
    static let check = "/check"
    static let feed = "/feed.atom"
    static let sitemap = "/sitemap.xml"
    static let robots = "/robots.txt"
    static let stylesheet = "/assets/site.css"
    static let apiEntries = "/api/v1/entries"
    static func apiEntry(_ slug: String) -> String { "/api/v1/entries/" + slug }
    static let apiLabel = "/api/v1/label"
    static let apiLabelBatch = "/api/v1/label/batch"
    static let openAPI = "/api/openapi.json"
    static let health = "/healthz"
    static let ready = "/readyz"
    static let metrics = "/metrics"

    /// Whether a path is meant for programs (the API, the log, health and metrics), whose errors are JSON problems
    /// rather than pages.
    static func isForMachines(_ path: String) -> Bool {
        path.hasPrefix("/api/") || path.hasPrefix("/log/") || [health, ready, metrics].contains(path)
    }
}

/// Builds the view models of the pages made from the entries.
struct SitePages {
    let entries: [Entry]
    let configuration: ServerConfiguration
    let stylesheet: String
    /// Every topic used by an entry, sorted.
    let topics: [String]

    init(entries: [Entry], configuration: ServerConfiguration, stylesheet: String) {
        self.entries = entries
        self.configuration = configuration
        self.stylesheet = stylesheet
        topics = Set(entries.flatMap(\.topics)).sorted()
    }

    func chrome(query: String = "") -> Chrome { Chrome(stylesheet: stylesheet, query: query) }

    static func card(_ entry: Entry, snippet: String? = nil) -> CardView {
        CardView(
            url: SiteURL.entryPath(slug: entry.slug), title: entry.title, rumor: entry.rumor, reality: entry.reality, snippet: snippet,
            retracted: entry.status == .retracted)
    }

    /// A topic slug for people: `voting-machines` → "voting machines".
    static func topicName(_ topic: String) -> String { topic.replacingOccurrences(of: "-", with: " ") }

    func topicLinks(_ names: [String]) -> [TopicLink] {
        names.enumerated().map { index, topic in
            TopicLink(
                url: SitePath.topic(topic), name: Self.topicName(topic), count: entries.filter { $0.topics.contains(topic) }.count,
                last: index == names.count - 1)
        }
    }

    func home() -> HomeView {
        let newest = entries.sorted { ($0.created, $0.slug) > ($1.created, $1.slug) }.prefix(5)
        let updated = entries.sorted { ($0.updated, $0.slug) > ($1.updated, $1.slug) }.prefix(5)
        return HomeView(
            chrome: chrome(), newest: newest.map { Self.card($0) }, updated: updated.map { Self.card($0) }, topics: topicLinks(topics),
            entries: entries.sorted { $0.title < $1.title }.map { Self.card($0) })
    }

    func topicList() -> TopicsView { TopicsView(chrome: chrome(), topics: topicLinks(topics)) }

    func topic(_ topic: String) -> TopicView {
        TopicView(chrome: chrome(), name: Self.topicName(topic), entries: entries.filter { $0.topics.contains(topic) }.map { Self.card($0) })
    }

    func entry(_ entry: Entry, versions: [Entry], retraction: LogRecord?) -> EntryView {
        let url = SiteURL.entry(slug: entry.slug, base: configuration.baseURL)
        let review = ClaimReview(entry: entry, url: url, publisher: .organization(name: configuration.publisher, url: configuration.baseURL))
        return EntryView(
            chrome: chrome(), title: entry.title, rumor: entry.rumor, reality: entry.reality, detailsHTML: Markdown.html(entry.details),
            sources: entry.sources.map { SourceView(title: $0.title, publisher: $0.publisher, url: Self.webAddress($0.url), date: $0.date) },
            topics: topicLinks(entry.topics), jurisdictions: entry.jurisdictions.joined(separator: ", "), created: entry.created,
            updated: entry.updated, lastReviewed: entry.lastReviewed, version: entry.version,
            versions: versions.reversed().map { version in
                let base = SiteURL.entryPath(slug: entry.slug) + "/versions/\(version.version)"
                return VersionRow(version: version.version, updated: version.updated, status: version.status.rawValue, receiptURL: base + "/receipt", recordURL: base + "/record")
            },
            retraction: retraction.map { RetractionView(reason: $0.reason ?? "", date: String($0.time.prefix(10)), signers: "\($0.author) and \($0.reviewer)") },
            compareURL: versions.count > 1 ? SiteURL.entryPath(slug: entry.slug) + "/compare?from=\(versions[versions.count - 2].version)&to=\(entry.version)" : nil,
            language: entry.language, canonicalURL: url, apiURL: SitePath.apiEntry(entry.slug), claimReviewJSON: Self.scriptSafeJSON(review))
    }

    /// The address when it is a web address (`http`, `https`); otherwise `#`, so no other scheme becomes a link
    /// even if an entry bypassed validation.
    static func webAddress(_ url: String) -> String {
        let lowered = url.lowercased()
        return lowered.hasPrefix("https://") || lowered.hasPrefix("http://") ? url : "#"
    }

    /// JSON for a `<script>` element: `<` is written as `\u003c` so the text can never close the element.
    static func scriptSafeJSON(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: (try? encoder.encode(value)) ?? Data("{}".utf8), as: UTF8.self)
        return json.replacingOccurrences(of: "<", with: "\\u003c")
    }
}
