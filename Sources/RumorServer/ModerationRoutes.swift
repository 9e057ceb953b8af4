import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOPosix
import RumorCore
import RumorMatch
import RumorStore
import Synchronization

/// The moderation desk: the review queue for moderators (`/desk`, one post at a time, decided with one click or one
/// key), the emerging-rumors view (`/desk/emerging`), and the same through the JSON API (`/api/v1/queue`).
///
/// Moderators, reviewers and admins decide; authors and label tokens may not. The desk's pages allow the one
/// script the site serves (`/assets/desk.js`, keyboard shortcuts); without it every decision is a plain form.
struct ModerationRoutes {
    let site: SiteState
    let script: CachedResource
    /// The last clustering of the unmatched posts, so the emerging view is not recomputed until a post comes or goes.
    let emergingAssignments = EmergingAssignments()

    var store: any SiteStore { site.store }

    /// The desk's pages' Content-Security-Policy: the site's, plus this site's own scripts.
    static let contentSecurityPolicy = SecurityHeaders.contentSecurityPolicy.replacingOccurrences(of: "default-src 'none';", with: "default-src 'none'; script-src 'self';")

    func add(to router: Router<SiteRequestContext>) {
        router.route("/desk", [.get: desk])
        router.route("/desk/posts/{id}", [.post: decideForm])
        router.route("/desk/emerging", [.get: emergingPage])
        router.route(RouterPath(Self.scriptPath), [.get: { request, _ in script.response(to: request) }])
        router.route("/api/v1/queue", [.get: list])
        router.route("/api/v1/queue/claim", [.post: DraftAPIRoutes.guarded(claim)])
        router.route("/api/v1/queue/emerging", [.get: emergingJSON])
        router.route("/api/v1/queue/{id}", [.get: show])
        router.route("/api/v1/queue/{id}/decision", [.post: DraftAPIRoutes.guarded(decideJSON)])
    }

    static let scriptPath = "/assets/desk.js"

    /// The name decisions are recorded under, once the identity may moderate. - Throws: 401 or 403.
    static func moderator(_ identity: Identity?) throws -> String {
        guard let identity else { throw Problem(.unauthorized, detail: "Sign in at /login as a moderator (or send a moderate-scope API token) to use the desk.") }
        guard let role = identity.role else { throw Problem(.forbidden, detail: "A label-scope token cannot moderate; ask an admin for a moderate-scope token.") }
        if let refusal = EditorialPolicy.refusal(.moderate, actor: identity.actor, role: role) { throw Problem(.forbidden, detail: refusal.prefix(1).uppercased() + refusal.dropFirst() + ".") }
        return identity.actor
    }

    private var leaseUntil: Date { Date().addingTimeInterval(Double(site.configuration.queueLease.components.seconds)) }

    // MARK: Pages

    func desk(_ request: Request, _ context: SiteRequestContext) async throws -> Response {
        let session = try EditorRoutes.signedInSession(context)
        let me = try Self.moderator(context.identity)
        let post = try await store.claimNextPost(moderator: me, leaseUntil: leaseUntil)
        let counts = try await store.queueCounts()
        let message = FormFields.parse(Substring(request.uri.query ?? ""))?["done"].map { "Recorded: \($0)." }
        let view = DeskView(chrome: site.chrome(), name: me, csrf: session.csrfToken, waiting: counts.undecided, message: message,
                            post: post.map { DeskPostView($0, entries: site.current.entries) })
        return page(site.renderer.render(view, template: "desk"))
    }

    func decideForm(_ request: Request, _ context: SiteRequestContext) async throws -> Response {
        let (_, fields) = try await EditorRoutes.checkedForm(request, context)
        let me = try Self.moderator(context.identity)
        let id = try Self.id(context)
        let choice = fields["decision"] ?? ""
        let note = fields["note"].flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        let done: String
        if choice == "skip" {
            try await store.skip(id: id, moderator: me)
            done = "skipped post \(id)"
        } else {
            let decision = try Self.decision(choice, note: note)
            try await store.decide(id: id, decision, moderator: me)
            done = "post \(id) \(decision.outcome.rawValue)\(decision.slug.map { " " + $0 } ?? "")"
        }
        let query = done.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return Response(status: .seeOther, headers: [.location: "/desk?done=" + query, .cacheControl: "no-store"])
    }

    func emergingPage(_ request: Request, _ context: SiteRequestContext) async throws -> Response {
        let session = try EditorRoutes.signedInSession(context)
        let clusters = try await emergingClusters(request)
        let canDraft = EditorialPolicy.refusal(.createDraft, actor: session.account.name, role: session.account.role) == nil
        let view = EmergingView(chrome: site.chrome(), clusters: clusters.enumerated().map { EmergingClusterView($1, number: $0 + 1, canDraft: canDraft) })
        return page(site.renderer.render(view, template: "emerging"))
    }

    /// A desk page: no caching, and the desk's script allowed.
    private func page(_ text: String) -> Response {
        var response = html(text)
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        return response
    }

    // MARK: JSON API

    /// `GET /api/v1/queue?state=undecided|decided&limit=N`: posts oldest first, and the queue's counts.
    func list(_ request: Request, _ context: SiteRequestContext) async throws -> Response {
        _ = try Self.moderator(context.identity)
        let query = FormFields.parse(Substring(request.uri.query ?? "")) ?? [:]
        let decided: Bool
        switch query["state"] ?? "undecided" {
        case "undecided": decided = false
        case "decided": decided = true
        default: throw Problem.badRequest("state must be undecided or decided.")
        }
        let limit = min(max(Int(query["limit"] ?? "") ?? 50, 1), 1000)
        let posts = try await store.queuedPosts(decided: decided, limit: limit)
        let counts = try await store.queueCounts()
        return jsonResponse(.members([("posts", .array(posts.map { JSONNode(Self.json($0), line: 0) })), ("counts", Self.json(counts))]))
    }

    /// `POST /api/v1/queue/claim`: the next post for the caller, leased to them; `{"post": null}` when none is left.
    func claim(_ request: Request, _ context: SiteRequestContext) async throws -> Response {
        let me = try Self.moderator(context.identity)
        let post = try await store.claimNextPost(moderator: me, leaseUntil: leaseUntil)
        return jsonResponse(.members([("post", post.map(Self.json) ?? .null), ("lease_seconds", .number(String(site.configuration.queueLease.components.seconds)))]))
    }

    func show(_ request: Request, _ context: SiteRequestContext) async throws -> Response {
        _ = try Self.moderator(context.identity)
        let id = try Self.id(context)
        guard let post = try await store.queuedPost(id: id) else { throw Problem(.notFound, detail: "There is no queued post \(id).") }
        return jsonResponse(Self.json(post))
    }

    /// `POST /api/v1/queue/{id}/decision` with `{"decision": "asserts"|"denies"|"unrelated"|"skip", "slug": ..., "note": ...}`.
    func decideJSON(_ request: Request, _ context: SiteRequestContext) async throws -> Response {
        let me = try Self.moderator(context.identity)
        let id = try Self.id(context)
        let body = try await request.collectBody(limit: 64 * 1024, what: "The decision")
        guard let node = try? JSONParser.parse(body.readableBytesView), case .object = node.value, case .string(let choice) = node["decision"]?.value else {
            throw Problem.badRequest("Send {\"decision\": \"asserts\" | \"denies\" | \"unrelated\" | \"skip\", \"slug\": \"...\", \"note\": \"...\"}.")
        }
        if choice == "skip" {
            try await store.skip(id: id, moderator: me)
        } else {
            var slug: String?
            if case .string(let text) = node["slug"]?.value { slug = text }
            var note: String?
            if case .string(let text) = node["note"]?.value, !text.isEmpty { note = text }
            guard let outcome = ModerationDecision.Outcome(rawValue: choice) else {
                throw Problem.badRequest("decision must be asserts, denies, unrelated or skip, not \(choice).")
            }
            try await store.decide(id: id, ModerationDecision(outcome: outcome, slug: slug, note: note), moderator: me)
        }
        guard let post = try await store.queuedPost(id: id) else { throw Problem(.notFound, detail: "There is no queued post \(id).") }
        return jsonResponse(Self.json(post))
    }

    /// `GET /api/v1/queue/emerging`: the clusters of unmatched posts.
    func emergingJSON(_ request: Request, _ context: SiteRequestContext) async throws -> Response {
        guard context.identity?.role != nil else {
            throw Problem(.unauthorized, detail: "Sign in at /login (or send an edit- or moderate-scope API token) to see emerging rumors.")
        }
        let clusters = try await emergingClusters(request)
        return jsonResponse(.members([("clusters", .array(clusters.map { JSONNode($0.json, line: 0) }))]))
    }

    /// The clusters of the newest unmatched posts, computed on the thread pool; `?threshold=` overrides the distance.
    private func emergingClusters(_ request: Request) async throws -> [EmergingRumors.Cluster] {
        let query = FormFields.parse(Substring(request.uri.query ?? "")) ?? [:]
        let threshold = query["threshold"].flatMap(Float.init)
        if let threshold, !(threshold > 0 && threshold <= 2) { throw Problem.badRequest("threshold is a cosine distance between 0 and 2.") }
        let model = try (site.configuration.clusteringModel ?? ClusteringModel.shipped()).with(threshold: threshold)
        let posts = try await store.unmatchedPosts(limit: EmergingRumors.postLimit).compactMap { EmergingRumors.Post($0.post, vector: $0.vector) }
        let key = EmergingAssignments.Key(posts: posts.map(\.id), model: model)
        let assignment: [Int]
        if let kept = emergingAssignments.assignment(for: key) {
            assignment = kept
        } else {
            assignment = try await NIOThreadPool.singleton.runIfActive { EmergingRumors.assignment(posts, model: model) }
            emergingAssignments.keep(assignment, for: key)
        }
        return EmergingRumors.clusters(posts, assignment: assignment)
    }

    // MARK: Helpers

    static func id(_ context: SiteRequestContext) throws -> Int64 {
        guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw Problem(.notFound, detail: "There is no such queued post.") }
        return id
    }

    /// A decision from the desk's form value: `asserts:SLUG`, `denies:SLUG` or `unrelated`.
    static func decision(_ choice: String, note: String?) throws -> ModerationDecision {
        let parts = choice.split(separator: ":", maxSplits: 1).map(String.init)
        guard let outcome = parts.first.flatMap(ModerationDecision.Outcome.init(rawValue:)) else {
            throw Problem.badRequest("The decision must be asserts:SLUG, denies:SLUG, unrelated or skip.")
        }
        return ModerationDecision(outcome: outcome, slug: parts.count > 1 ? parts[1] : nil, note: note)
    }

    static func json(_ post: QueuedPost) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("id", .number(String(post.id))), ("kind", .string(post.kind.rawValue)), ("text", post.text.map(JSONValue.string) ?? .null),
            ("external_id", post.externalID.map(JSONValue.string) ?? .null), ("url", post.url.map(JSONValue.string) ?? .null),
            ("caller", .string(post.caller)), ("queued_at", .string(post.queuedAt.ISO8601Format())),
            ("candidates", .array(post.candidates.map { candidate in
                JSONNode(.members([
                    ("slug", .string(candidate.slug)), ("score", .number(String(candidate.score))),
                    ("span", .members([("start", .number(String(candidate.start))), ("end", .number(String(candidate.end))),
                                       ("text", .string(post.text.map(candidate.span(in:)) ?? ""))])),
                ]), line: 0)
            })),
        ]
        if let decision = post.decision {
            members.append(("decision", .members([
                ("outcome", .string(decision.outcome.rawValue)), ("slug", decision.slug.map(JSONValue.string) ?? .null), ("note", decision.note.map(JSONValue.string) ?? .null),
                ("by", post.decidedBy.map(JSONValue.string) ?? .null), ("at", post.decidedAt.map { .string($0.ISO8601Format()) } ?? .null),
            ])))
        } else {
            members.append(("decision", .null))
        }
        return .members(members)
    }

    static func json(_ counts: QueueCounts) -> JSONValue {
        .members([
            ("undecided", .number(String(counts.undecided))), ("unmatched", .number(String(counts.unmatched))),
            ("decided", .members(ModerationDecision.Outcome.allCases.map { ($0.rawValue, .number(String(counts.decided[$0, default: 0]))) })),
            ("agreeing_with_top_candidate", .number(String(counts.agreeing))),
        ])
    }

}

/// The desk's page.
struct DeskView {
    var chrome: Chrome
    var name: String
    var csrf: String
    var waiting: Int
    var message: String?
    var post: DeskPostView?
}

/// The post the desk shows, with its candidates.
struct DeskPostView {
    var id: Int64
    var highlightedHTML: String
    var queuedAt: String
    var caller: String
    var url: String?
    var externalID: String?
    var candidates: [Candidate]
    var firstSlug: String?

    struct Candidate {
        var key: Int
        var slug: String
        var title: String
        var rumor: String
        var reality: String
        var score: String
        var spanText: String
    }

    init(_ post: QueuedPost, entries: [Entry]) {
        let text = post.text ?? ""
        id = post.id
        highlightedHTML = SiteRoutes.highlight(text, ranges: post.candidates.map { $0.start..<max($0.start, $0.end) })
        queuedAt = post.queuedAt.ISO8601Format()
        caller = post.caller
        url = post.url
        externalID = post.externalID
        let bySlug = Dictionary(entries.map { ($0.slug, $0) }, uniquingKeysWith: { first, _ in first })
        candidates = post.candidates.enumerated().map { index, candidate in
            let entry = bySlug[candidate.slug]
            return Candidate(key: index + 1, slug: candidate.slug, title: entry?.title ?? candidate.slug, rumor: entry?.rumor ?? "", reality: entry?.reality ?? "",
                             score: String(format: "%.2f", candidate.score), spanText: candidate.span(in: text))
        }
        firstSlug = post.candidates.first?.slug
    }
}

/// The emerging-rumors page.
struct EmergingView {
    var chrome: Chrome
    var clusters: [EmergingClusterView]
}

/// One cluster on the page.
struct EmergingClusterView {
    var number: Int
    var size: Int
    var firstSeen: String
    var lastSeen: String
    var lastDay: Int
    var dayBefore: Int
    var topTerms: String
    var representatives: [String]
    /// The editor's new-draft address with the representative posts as phrasings; nil when the viewer cannot draft.
    var draftURL: String?

    init(_ cluster: EmergingRumors.Cluster, number: Int, canDraft: Bool) {
        self.number = number
        size = cluster.size
        firstSeen = cluster.firstSeen.ISO8601Format()
        lastSeen = cluster.lastSeen.ISO8601Format()
        lastDay = cluster.lastDay
        dayBefore = cluster.dayBefore
        topTerms = cluster.topTerms.joined(separator: ", ")
        representatives = cluster.representatives.map(\.text)
        let phrasings = representatives.map { $0.replacingOccurrences(of: "\n", with: " ") }.joined(separator: "\n")
        draftURL = canDraft ? "/editor/new?phrasings=" + (phrasings.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") : nil
    }
}

/// The cluster numbers of the last set of unmatched posts the emerging view clustered: seconds of work for
/// 10,000 posts, the same until a post is queued or purged (the summaries, which depend on the time, are redone).
final class EmergingAssignments: Sendable {
    /// What the clustering depended on.
    struct Key: Hashable, Sendable {
        var posts: [Int64]
        var model: ClusteringModel
    }

    private let last = Mutex<(key: Key, assignment: [Int])?>(nil)

    /// The kept assignment, when it was computed for `key`.
    func assignment(for key: Key) -> [Int]? {
        last.withLock { $0?.key == key ? $0?.assignment : nil }
    }

    /// Keeps `assignment` as the one for `key`.
    func keep(_ assignment: [Int], for key: Key) {
        last.withLock { $0 = (key, assignment) }
    }
}
