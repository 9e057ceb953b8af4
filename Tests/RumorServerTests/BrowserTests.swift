import Foundation
import HummingbirdTesting
import RumorCore
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
