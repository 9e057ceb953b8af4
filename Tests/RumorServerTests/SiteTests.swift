import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import RumorCore
import RumorServer
import RumorStore
import Testing

@Suite("Public site over HTTP")
struct SiteTests {
    @Test("the home page is one accessible HTML page listing every entry, cached with an ETag")
    func home() async throws {
        let entries = try ShippedKnowledgeBase.entries()
        try await withLiveServer { client in
            let response = try await client.get("/")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/html; charset=utf-8")
            let html = response.text
            #expect(html.contains("<html lang=\"en\">"))
            #expect(html.components(separatedBy: "<h1").count == 2)
            #expect(html.contains("<main id=\"main\""))
            #expect(html.contains("<label for=\"site-search\">"))
            for entry in entries { #expect(html.contains("href=\"/rumors/\(entry.slug)\"")) }
            let etag = try #require(response.headers[.eTag])
            #expect(response.headers[.cacheControl]?.contains("max-age") == true)
            let again = try await client.get("/", headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified)
            #expect(again.body.readableBytes == 0)
        }
    }

    @Test("an entry page shows the entry with its history and ClaimReview JSON-LD that has Google's required fields")
    func entryPage() async throws {
        let entry = try #require(try ShippedKnowledgeBase.entries().first { $0.slug == "sharpie-ballots-invalidated" })
        try await withLiveServer { client in
            let response = try await client.get("/rumors/\(entry.slug)")
            #expect(response.status == .ok)
            let html = response.text
            #expect(html.components(separatedBy: "<h1").count == 2)
            #expect(html.contains(HTMLText.escape(entry.title)))
            #expect(html.contains(HTMLText.escape(entry.reality)))
            for source in entry.sources { #expect(html.contains("href=\"\(HTMLText.escape(source.url))\"")) }
            #expect(html.contains("Version history"))
            let start = try #require(html.range(of: "<script type=\"application/ld+json\">"))
            let end = try #require(html.range(of: "</script>", range: start.upperBound..<html.endIndex))
            let jsonLD = try #require(try JSONSerialization.jsonObject(with: Data(html[start.upperBound..<end.lowerBound].utf8)) as? [String: Any])
            #expect(jsonLD["@type"] as? String == "ClaimReview")
            #expect(jsonLD["claimReviewed"] as? String == entry.rumor)
            #expect(jsonLD["url"] as? String == "\(testSiteURL)/rumors/\(entry.slug)")
            #expect((jsonLD["reviewRating"] as? [String: Any])?["alternateName"] as? String == "False")
            #expect((jsonLD["author"] as? [String: Any])?["name"] as? String != nil)
            #expect(jsonLD["datePublished"] as? String == entry.created)
            #expect((jsonLD["itemReviewed"] as? [String: Any])?["@type"] as? String == "Claim")
        }
    }

    @Test("unknown pages get the 404 page, API paths a problem document, and wrong methods 405 with Allow")
    func errors() async throws {
        try await withLiveServer(waitForMatcher: false) { client in
            let page = try await client.get("/rumors/no-such-rumor")
            #expect(page.status == .notFound)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.text.contains("<h1>Not Found</h1>"))
            try expectProblem(try await client.get("/api/v1/entries/no-such-rumor"), .notFound)
            let method = try await client.execute(uri: "/rumors/dead-people-voting", method: .delete)
            #expect(method.status == .methodNotAllowed)
            #expect(method.headers[.allow] == "GET")
            try expectProblem(try await client.execute(uri: "/api/v1/label", method: .get), .methodNotAllowed)
        }
    }

    @Test("topic pages list exactly the entries with the topic")
    func topics() async throws {
        let entries = try ShippedKnowledgeBase.entries()
        let topic = try #require(entries.first?.topics.first)
        try await withLiveServer(waitForMatcher: false) { client in
            let list = try await client.get("/topics")
            for name in Set(entries.flatMap(\.topics)) { #expect(list.text.contains("href=\"/topics/\(name)\"")) }
            let page = try await client.get("/topics/\(topic)").text
            for entry in entries { #expect(page.contains("href=\"/rumors/\(entry.slug)\"") == entry.topics.contains(topic)) }
        }
    }

    @Test("search ranks the entry named by a keyword first, and finds a paraphrase through the matcher")
    func search() async throws {
        try await withLiveServer { client in
            let keyword = try await client.get("/search?q=sharpie")
            #expect(keyword.status == .ok)
            #expect(Self.firstResult(keyword.text) == "/rumors/sharpie-ballots-invalidated")
            let sentence = try await client.get("/search?q=my+grandpa+has+been+in+the+ground+since+2012+but+he+mailed+a+ballot")
            #expect(Self.firstResult(sentence.text) == "/rumors/dead-people-voting")
            #expect(sentence.text.contains("value=\"my grandpa has been in the ground since 2012 but he mailed a ballot\""))
            try #require(try await client.get("/search?q=%ZZ").status == .badRequest)
        }
    }

    static func firstResult(_ html: String) -> String? {
        guard let results = html.range(of: "id=\"results-heading\""), let card = html.range(of: "<h3><a href=\"", range: results.upperBound..<html.endIndex),
            let end = html.range(of: "\"", range: card.upperBound..<html.endIndex)
        else { return nil }
        return String(html[card.upperBound..<end.lowerBound])
    }

    @Test("the check form labels the seed's post and highlights what matched")
    func checkForm() async throws {
        let post = try seedPost()
        try await withLiveServer { client in
            let form = try await client.get("/check")
            #expect(form.text.contains("<label for=\"post-text\">"))
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            let body = "text=" + post.addingPercentEncoding(withAllowedCharacters: allowed)!
            let response = try await client.post("/check", body, headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(response.status == .ok)
            let html = response.text
            for slug in ["dead-people-voting", "poll-watchers-barred", "machines-switched-votes", "late-ballots-counted", "election-stolen"] {
                #expect(html.contains("id=\"label-\(slug)\""))
            }
            #expect(html.contains("<mark>"))
            let tooLong = "text=" + String(repeating: "a", count: 70_000)
            #expect(try await client.post("/check", tooLong).status == .contentTooLarge)
            #expect(try await client.post("/check", "text=%E2%28").status == .badRequest)
        }
    }

    @Test("the Atom feed, sitemap and robots.txt list every entry")
    func feeds() async throws {
        let entries = try ShippedKnowledgeBase.entries()
        try await withLiveServer(waitForMatcher: false) { client in
            let feed = try await client.get("/feed.atom")
            #expect(feed.headers[.contentType] == "application/atom+xml; charset=utf-8")
            let parser = XMLParser(data: Data(feed.body.readableBytesView))
            let counter = ElementCounter()
            parser.delegate = counter
            #expect(parser.parse())
            #expect(counter.counts["entry"] == entries.count)
            let sitemap = try await client.get("/sitemap.xml").text
            #expect(XMLParser(data: Data(sitemap.utf8)).parse())
            for entry in entries { #expect(sitemap.contains("<loc>\(testSiteURL)/rumors/\(entry.slug)</loc>")) }
            #expect(try await client.get("/robots.txt").text.contains("Sitemap: \(testSiteURL)/sitemap.xml"))
        }
    }

    @Test("the stylesheet is linked with a version and cached for good")
    func stylesheet() async throws {
        try await withLiveServer(waitForMatcher: false) { client in
            let html = try await client.get("/").text
            let link = try #require(html.range(of: "href=\"/assets/site.css?v="))
            let version = html[link.upperBound...].prefix(12)
            #expect(version.allSatisfy { $0.isHexDigit })
            let css = try await client.get("/assets/site.css")
            #expect(css.headers[.cacheControl] == "public, max-age=31536000, immutable")
            #expect(css.text.contains(":focus-visible"))
            #expect(css.text.contains("@media print"))
        }
    }
}

/// Counts XML elements by name.
final class ElementCounter: NSObject, XMLParserDelegate {
    var counts: [String: Int] = [:]
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        counts[name, default: 0] += 1
    }
}

@Suite("Site rendering")
struct RenderingTests {
    @Test("Markdown renders its subset and escapes everything else, including links to other schemes")
    func markdown() {
        let html = Markdown.html("Hello <script>alert(1)</script> **bold** and *soft* `code`\n\n- one\n- [two](https://example.org/a?b=1&c=2)\n\n[bad](javascript:alert(1))")
        #expect(!html.contains("<script>"))
        #expect(html.contains("&lt;script&gt;"))
        #expect(html.contains("<strong>bold</strong>"))
        #expect(html.contains("<em>soft</em>"))
        #expect(html.contains("<code>code</code>"))
        #expect(html.contains("<ul><li>one</li><li><a href=\"https://example.org/a?b=1&amp;c=2\">two</a></li></ul>"))
        #expect(!html.contains("href=\"javascript"))
    }
}
