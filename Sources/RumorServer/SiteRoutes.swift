import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOPosix
import RumorCore
import RumorMatch

/// The public site's pages: everything pre-rendered in the snapshot, plus search and the check-a-post form.
struct SiteRoutes {
    let site: SiteState
    let matcher: MatcherService
    let metrics: ServerMetrics
    let stylesheet: CachedResource
    /// The per-caller limit shared with the label API: searches and checked posts run the model too.
    let limiter: RateLimiter?

    func add(to router: Router<SiteRequestContext>) {
        let snapshotPage: Handler = { request, _ in try site.current.resource(request) }
        for path in [SitePath.home, SitePath.topics, "/topics/{topic}", "/rumors/{slug}", SitePath.feed, SitePath.sitemap, SitePath.robots] {
            router.route(RouterPath(path), [.get: snapshotPage])
        }
        router.route(RouterPath(SitePath.stylesheet), [.get: { request, _ in stylesheet.response(to: request) }])
        router.route(RouterPath(SitePath.search), [.get: search])
        router.route(RouterPath(SitePath.check), [.get: { _, _ in html(checkPage(text: "", result: nil)) }, .post: check])
    }

    func search(_ request: Request, _ context: SiteRequestContext) async throws -> Response {
        guard let fields = FormFields.parse(request.uri.query.map { Substring($0) } ?? "") else {
            throw Problem.badRequest("The search address is not valid URL encoding.")
        }
        let query = String((fields["q"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines).unicodeScalars.prefix(500))
        var view = SearchView(chrome: site.chrome(query: query), query: query, hasQuery: !query.isEmpty, resultCount: 0, resultNoun: "results", results: [])
        if !query.isEmpty {
            try limiter?.take(context.rateLimitKey)
            let index = site.current.search
            let loaded: LoadedMatcher? = if case .ready(let loaded) = matcher.current { loaded } else { nil }
            // A query that reads like a post gets the matcher's opinion too; a few words only need the index.
            let wordCount = query.split(whereSeparator: \.isWhitespace).count
            let hits: [SearchIndex.Hit]
            if let loaded {
                // The model's work runs on the thread pool, away from the threads that answer requests.
                hits = try await NIOThreadPool.singleton.runIfActive {
                    var boosted: Set<String> = []
                    if wordCount >= 4 {
                        let result = loaded.matcher.match(query)
                        boosted = Set((result.labels + result.review).map(\.slug))
                    }
                    return index.search(query, embedder: loaded.embedder, boosted: boosted)
                }
            } else {
                // Words only: cheap enough to answer here, and never queued behind a model that is loading.
                hits = index.search(query, embedder: nil)
            }
            view.results = hits.prefix(10).map { SitePages.card($0.entry) }
            view.resultCount = view.results.count
            view.resultNoun = view.resultCount == 1 ? "result" : "results"
        }
        return html(site.renderer.render(view, template: "search"))
    }

    func check(_ request: Request, _ context: SiteRequestContext) async throws -> Response {
        let limit = site.configuration.maxPostBytes
        // Form encoding can triple the size of text; the decoded post is checked against the limit below.
        let body = try await request.collectBody(limit: limit * 3 + 1024, what: "The form")
        guard let form = String(validating: body.readableBytesView, as: UTF8.self), let fields = FormFields.parse(Substring(form)) else {
            throw Problem.badRequest("The form is not valid URL-encoded UTF-8 text.")
        }
        let text = fields["text"] ?? ""
        guard text.utf8.count <= limit else { throw Problem.tooLarge("The post", limit: limit) }
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return html(checkPage(text: text, result: nil)) }
        try limiter?.take(context.rateLimitKey)
        do {
            let decided = try await matcher.match([text])
            metrics.recordMatches(decided)
            return html(checkPage(text: text, result: decided[0].result))
        } catch let problem as Problem {
            let view = CheckView(chrome: site.chrome(), text: text, checked: nil, unavailable: problem.detail)
            return html(site.renderer.render(view, template: "check"), status: problem.status)
        }
    }

    private func checkPage(text: String, result: MatchResult?) -> String {
        let view = CheckView(chrome: site.chrome(), text: text, checked: result.map { checkResult(text: text, $0) }, unavailable: nil)
        return site.renderer.render(view, template: "check")
    }

    private func checkResult(text: String, _ result: MatchResult) -> CheckResultView {
        let all = result.labels + result.review
        let titles = Dictionary(site.current.entries.map { ($0.slug, $0.title) }, uniquingKeysWith: { first, _ in first })
        let summary: String
        switch (result.labels.count, result.review.count) {
        case (0, 0): summary = "No known disputed claim found in this post."
        case (let labels, 0): summary = "This post repeats \(labels) known disputed \(labels == 1 ? "claim" : "claims")."
        case (0, _): summary = "This post may repeat a known disputed claim; a person would review it."
        case (let labels, let review): summary = "This post repeats \(labels) known disputed \(labels == 1 ? "claim" : "claims"), and may repeat \(review) more."
        }
        let labels = all.map { label in
            LabelView(
                slug: label.slug, title: titles[label.slug] ?? label.slug, url: label.url, labelText: label.labelText, reality: label.reality,
                spanText: label.span.text, decision: label.decision.rawValue,
                decisionText: label.decision == .label ? "Label attached" : "Sent to review", score: String(format: "%.2f", label.score))
        }
        return CheckResultView(summary: summary, hasMatches: !all.isEmpty, highlightedHTML: Self.highlight(text, spans: all.map(\.span)), labels: labels)
    }

    /// The post as HTML with the matched spans (Unicode scalar offsets) in `<mark>`; overlapping spans merge.
    static func highlight(_ text: String, spans: [Label.Span]) -> String {
        highlight(text, ranges: spans.map { $0.start..<max($0.start, $0.end) })
    }

    /// The same for spans given as ranges of Unicode scalar offsets.
    static func highlight(_ text: String, ranges: [Range<Int>]) -> String {
        let scalars = Array(text.unicodeScalars)
        var marked = [Bool](repeating: false, count: scalars.count)
        for span in ranges {
            let start = max(0, min(span.lowerBound, scalars.count))
            let end = max(start, min(span.upperBound, scalars.count))
            for index in start..<end { marked[index] = true }
        }
        var html = ""
        var index = 0
        while index < scalars.count {
            var end = index
            while end < scalars.count && marked[end] == marked[index] { end += 1 }
            var piece = String.UnicodeScalarView()
            piece.append(contentsOf: scalars[index..<end])
            let escaped = HTMLText.escape(String(piece))
            html += marked[index] ? "<mark>\(escaped)</mark>" : escaped
            index = end
        }
        return html
    }
}

extension SiteSnapshot {
    /// The pre-rendered resource at the request's path, or 404.
    func resource(_ request: Request) throws -> Response {
        guard let resource = resources[request.uri.path] else { throw Problem.notFound(request.uri.path) }
        return resource.response(to: request)
    }
}

/// A route's handler.
typealias Handler = @Sendable (Request, SiteRequestContext) async throws -> Response

extension Router<SiteRequestContext> {
    /// Registers a path's handlers by method and answers every other common method with 405 and an `Allow` header.
    func route(_ path: RouterPath, _ handlers: [HTTPRequest.Method: Handler]) {
        let allowed = handlers.keys.map(\.rawValue).sorted().joined(separator: ", ")
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete] {
            if let handler = handlers[method] {
                on(path, method: method, use: handler)
            } else {
                on(path, method: method) { request, _ -> Response in
                    throw Problem(.methodNotAllowed, detail: "\(request.uri.path) answers \(allowed) only.", headers: [.allow: allowed])
                }
            }
        }
    }
}

extension Request {
    /// The whole body, refusing with 413 anything over `limit` bytes.
    func collectBody(limit: Int, what: String) async throws -> ByteBuffer {
        if let length = headers[.contentLength].flatMap(Int.init), length > limit { throw Problem.tooLarge(what, limit: limit) }
        do {
            return try await body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw Problem.tooLarge(what, limit: limit)
        }
    }
}

/// A JSON response that is not cached (the editorial and queue APIs).
func jsonResponse(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: MediaTypes.json, .cacheControl: "no-store"],
             body: .init(byteBuffer: ByteBuffer(string: value.serialized(pretty: false))))
}

/// An HTML response that is not cached (search results, checked posts, errors).
func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: MediaTypes.html, .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: text)))
}
