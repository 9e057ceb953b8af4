import Foundation
import HummingbirdTesting
import NIOPosix
import RumorCore
import RumorMatch
import RumorServer
import RumorStore
import RumorTestSupport
import Testing

/// Debian's headless Chromium (its calls block: run them through ``RawHTTP/blocking(_:)``), when installed (`.ci/run` installs it; in CI its absence fails the test).
enum Chromium {
    static let executable = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static var required: Bool { executable != nil || ProcessInfo.processInfo.environment["CI"] == "true" }
    static let screenshots = Fixtures.repositoryRoot.appendingPathComponent(".build/screenshots")

    /// Loads a page and returns the DOM after scripts ran; also saves a screenshot named `name`.
    static func render(_ url: String, screenshot name: String) throws -> String {
        guard let executable else { throw BrowserFailure(message: "chromium is not installed: apt-get install chromium") }
        let chromium = URL(fileURLWithPath: executable)
        try FileManager.default.createDirectory(at: screenshots, withIntermediateDirectories: true)
        let common = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--window-size=1200,900"]
        let dom = try Subprocess.run(chromium, common + ["--dump-dom", url])
        guard dom.status == 0 else { throw BrowserFailure(message: "chromium --dump-dom \(url) failed: \(dom.stderr)") }
        let shot = try Subprocess.run(chromium, common + ["--screenshot=" + screenshots.appendingPathComponent(name + ".png").path, url])
        guard shot.status == 0 else { throw BrowserFailure(message: "chromium --screenshot \(url) failed: \(shot.stderr)") }
        return dom.stdout
    }

    /// Opens a page, types `text` into a form's field, presses its submit button, and returns the next page's DOM.
    static func submit(_ url: String, form: String, field: String, text: String, screenshot name: String) throws -> String {
        try FileManager.default.createDirectory(at: screenshots, withIntermediateDirectories: true)
        let textFile = screenshots.appendingPathComponent(name + ".txt")
        try Data(text.utf8).write(to: textFile)
        let script = Fixtures.repositoryRoot.appendingPathComponent("scripts/browser.py")
        let result = try Subprocess.run(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["python3", script.path, "submit", url, form, field, textFile.path, screenshots.appendingPathComponent(name + ".png").path])
        guard result.status == 0 else { throw BrowserFailure(message: "browser.py failed: \(result.stderr)") }
        return result.stdout
    }
}

/// What went wrong driving the browser (thrown from the blocking helpers, which run outside the test's task).
struct BrowserFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

@Suite("The site in a real browser", .enabled(if: Chromium.required, "chromium is not installed; CI installs it"))
struct BrowserTests {
    @Test("Chromium renders the home page, an entry, a search, and the check form with the seed's post labelled")
    func browse() async throws {
        let post = try seedPost()
        let entry = try #require(try ShippedKnowledgeBase.entries().first { $0.slug == "machines-switched-votes" })
        try await withLiveServer { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"

            let home = try await RawHTTP.blocking { try Chromium.render(base + "/", screenshot: "home") }
            #expect(home.contains("<h1>Election rumors and what is true</h1>"))
            #expect(home.contains("href=\"/rumors/\(entry.slug)\""))

            let page = try await RawHTTP.blocking { try Chromium.render(base + "/rumors/\(entry.slug)", screenshot: "entry") }
            #expect(page.contains("<h1>\(HTMLText.escape(entry.title))</h1>"))
            #expect(page.contains("application/ld+json"))
            #expect(page.contains("Version history"))

            let search = try await RawHTTP.blocking { try Chromium.render(base + "/search?q=dominion+machines+switched+votes", screenshot: "search") }
            #expect(search.contains("id=\"results-heading\""))
            #expect(search.contains("href=\"/rumors/\(entry.slug)\""))

            let checked = try await RawHTTP.blocking { try Chromium.submit(base + "/check", form: "form.check", field: "text", text: post, screenshot: "check") }
            #expect(checked.contains("This post repeats 5 known disputed claims."))
            for slug in APITests.seedSlugs { #expect(checked.contains("id=\"label-\(slug)\"")) }
            #expect(checked.contains("<mark>"))
        }
    }
}

@Suite("The moderation desk in a real browser", .enabled(if: Chromium.required, "chromium is not installed; CI installs it"))
struct DeskBrowserTests {
    @Test("a moderator signs in, decides three posts with the keyboard (asserts, unrelated, denies) and opens the emerging view")
    func decideWithKeys() async throws {
        let (prepare, editors) = Editors.prepared()
        let reviewTexts = ["They let dead people vote in Detroit, I saw the list", "Poll watchers kept out in Philly all night", "Ballots counted after the deadline, again"]
        let unmatched = ["The county moved every ballot drop box to the sheriff's office overnight", "Drop boxes were moved overnight to the sheriff's office by the county"]
        try await withLiveServer(prepare: { store in
            try await prepare(store)
            _ = try await store.enqueue(reviewTexts.map { text in
                QueueSubmission(kind: .review, text: text, candidates: [QueueCandidate(slug: "dead-people-voting", score: 0.55, start: 0, end: 10)], caller: "token:platform")
            })
            let vectors = try await RawHTTP.blocking { try sharedLoadedMatcher.get().matcher.postVectors(unmatched) }
            _ = try await store.enqueue(zip(unmatched, vectors).map { QueueSubmission(kind: .unmatched, text: $0, caller: "x", vector: $1) })
        }) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let script = Fixtures.repositoryRoot.appendingPathComponent("scripts/browser.py")
            try FileManager.default.createDirectory(at: Chromium.screenshots, withIntermediateDirectories: true)
            let result = try await RawHTTP.blocking {
                try Subprocess.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", script.path, "desk", base, "mo", "mo-password-123", "1ud", Chromium.screenshots.path])
            }
            #expect(result.status == 0, "\(result.stderr)")
            let pages = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String])
            try #require(pages.count == 5)
            #expect(pages[0].contains(HTMLText.escape(reviewTexts[0].prefix(10))) && pages[0].contains("Moderation desk"))
            #expect(pages[1].contains("asserts dead-people-voting"), "the key 1 recorded that the post asserts the first candidate")
            #expect(pages[2].contains("unrelated"))
            #expect(pages[3].contains("denies dead-people-voting") && pages[3].contains("id=\"queue-empty\""), "three decisions empty the queue")
            #expect(pages[4].contains("sheriff") && pages[4].contains("class=\"cluster\""))
            let decided = try #require(try await client.get("/api/v1/queue?state=decided", headers: bearer(editors().moderateToken)).jsonObject()["posts"] as? [[String: Any]])
            #expect(decided.compactMap { ($0["decision"] as? [String: Any])?["outcome"] as? String } == ["asserts", "unrelated", "denies"])
            #expect(decided.allSatisfy { ($0["decision"] as? [String: Any])?["by"] as? String == "mo" })
        }
    }
}
