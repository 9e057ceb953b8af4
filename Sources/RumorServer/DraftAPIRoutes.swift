import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RumorCore
import RumorStore

/// The editorial workflow through the JSON API, for scripts with an `edit` token (acting as an author) and for
/// signed-in editors' scripts: `/api/v1/drafts`.
struct DraftAPIRoutes {
    let workflow: Workflow
    let maxBodyBytes: Int

    func add(to router: Router<SiteRequestContext>) {
        router.route("/api/v1/drafts", [.get: list, .post: Self.guarded(create)])
        router.route("/api/v1/drafts/retractions", [.post: Self.guarded(retract)])
        router.route("/api/v1/drafts/{id}", [.get: show, .put: Self.guarded(update)])
        router.route("/api/v1/drafts/{id}/submit", [.post: Self.guarded { request, context in try await step(request, context) { try await workflow.submit($0, by: context.identity) } }])
        router.route("/api/v1/drafts/{id}/approve", [.post: Self.guarded { request, context in try await step(request, context) { _ = try await workflow.approve($0, by: context.identity) } }])
        router.route("/api/v1/drafts/{id}/return", [.post: Self.guarded(sendBack)])
    }

    /// A browser session's API writes must carry its CSRF token in `X-CSRF-Token` (tokens sent as `Bearer` need not:
    /// browsers never send them on their own).
    static func guarded(_ handler: @escaping Handler) -> Handler {
        { request, context in
            if case .session(let session, _) = context.identity {
                guard let sent = request.headers[Self.csrfHeader], constantTimeEqual(Array(sent.utf8), Array(session.csrfToken.utf8)) else {
                    throw Problem(.forbidden, detail: "Requests made with a session cookie must send the session's CSRF token in X-CSRF-Token.")
                }
            }
            return try await handler(request, context)
        }
    }

    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    func list(_ request: Request, _ context: SiteRequestContext) async throws -> Response {
        _ = try workflow.signedIn(context.identity)
        let drafts = try await workflow.site.store.drafts()
        return jsonResponse(.members([("drafts", .array(drafts.map { JSONNode(Self.json($0), line: 0) }))]))
    }

    func create(_ request: Request, _ context: SiteRequestContext) async throws -> Response {
        _ = try workflow.signedIn(context.identity)
        let body = try await request.collectBody(limit: maxBodyBytes, what: "The entry")
        let entry = try workflow.entry(fromJSON: body.readableBytesView)
        let draft = try await workflow.create(.publish(entry), by: context.identity)
        return jsonResponse(Self.json(draft), status: .created)
    }

    func retract(_ request: Request, _ context: SiteRequestContext) async throws -> Response {
        _ = try workflow.signedIn(context.identity)
        let body = try await request.collectBody(limit: maxBodyBytes, what: "The request")
        guard let node = try? JSONParser.parse(body.readableBytesView), case .string(let slug) = node["slug"]?.value else {
            throw Problem.badRequest("Send {\"slug\": \"...\", \"reason\": \"...\"}.")
        }
        var reason = ""
        if case .string(let text) = node["reason"]?.value { reason = text }
        let draft = try await workflow.create(.retract(slug: slug, reason: reason), by: context.identity)
        return jsonResponse(Self.json(draft), status: .created)
    }

    func show(_ request: Request, _ context: SiteRequestContext) async throws -> Response {
        jsonResponse(Self.json(try await workflow.draft(try Self.id(context), for: context.identity)))
    }

    func update(_ request: Request, _ context: SiteRequestContext) async throws -> Response {
        let id = try Self.id(context)
        _ = try workflow.signedIn(context.identity)
        let body = try await request.collectBody(limit: maxBodyBytes, what: "The entry")
        try await workflow.update(id, to: try workflow.entry(fromJSON: body.readableBytesView), by: context.identity)
        return jsonResponse(Self.json(try await workflow.draft(id, for: context.identity)))
    }

    func sendBack(_ request: Request, _ context: SiteRequestContext) async throws -> Response {
        let body = try await request.collectBody(limit: 16 * 1024, what: "The comment")
        var comment = ""
        if let node = try? JSONParser.parse(body.readableBytesView), case .string(let text) = node["comment"]?.value { comment = text }
        return try await step(request, context) { try await workflow.sendBack($0, comment: comment, by: context.identity) }
    }

    private func step(_ request: Request, _ context: SiteRequestContext, _ action: (Int64) async throws -> Void) async throws -> Response {
        let id = try Self.id(context)
        try await action(id)
        return jsonResponse(Self.json(try await workflow.draft(id, for: context.identity)))
    }

    static func id(_ context: SiteRequestContext) throws -> Int64 {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw Problem.badRequest("A draft's id is a number.") }
        return id
    }

    static func json(_ draft: Draft) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("id", .number(String(draft.id))), ("slug", .string(draft.slug)), ("state", .string(draft.state.rawValue)), ("author", .string(draft.author)),
        ]
        switch draft.change {
        case .publish(let entry): members += [("kind", .string("publish")), ("entry", entry.jsonValue)]
        case .retract(_, let reason): members += [("kind", .string("retract")), ("reason", .string(reason))]
        }
        if let comment = draft.comment { members.append(("comment", .string(comment))) }
        return .members(members)
    }

}

