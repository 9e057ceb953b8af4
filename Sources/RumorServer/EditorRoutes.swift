import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RumorCore
import RumorStore

/// The editor's pages: sign-in, the dashboard, drafts (write, submit, approve, send back), retractions, and the
/// public comparison of an entry's versions. Every form carries the session's CSRF token.
struct EditorRoutes {
    let workflow: Workflow
    let throttle: LoginThrottle
    let hasher: PasswordHasher

    var site: SiteState { workflow.site }
    var secureCookies: Bool { site.configuration.baseURL.hasPrefix("https://") }

    func add(to router: Router<SiteRequestContext>) {
        router.route("/login", [.get: loginForm, .post: login])
        router.route("/logout", [.post: logout])
        router.route("/editor", [.get: dashboard])
        router.route("/editor/new", [.get: newDraft])
        router.route("/editor/drafts", [.post: createDraft])
        router.route("/editor/drafts/{id}", [.get: showDraft, .post: draftStep])
        router.route("/editor/retract/{slug}", [.get: retractForm, .post: retract])
        router.route("/rumors/{slug}/compare", [.get: compare])
    }

    // MARK: Sign-in

    func loginForm(_ request: Request, _ context: SiteRequestContext) async throws -> Response {
        let csrf = Secrets.make()
        var response = html(site.renderer.render(LoginView(chrome: site.chrome(), csrf: csrf, error: nil), template: "login"))
        response.setCookie(cookie(CookieName.loginCSRF, csrf, maxAge: 3600))
        return response
    }

    func login(_ request: Request, _ context: SiteRequestContext) async throws -> Response {
        let fields = try await Self.form(request)
        guard let expected = request.cookies[CookieName.loginCSRF]?.value, let csrf = fields["csrf"], constantTimeEqual(Array(expected.utf8), Array(csrf.utf8)) else {
            throw Problem(.forbidden, detail: "The sign-in form expired or did not come from this site; load /login again.")
        }
        let name = fields["name"] ?? ""
        guard throttle.allows(name) else {
            throw Problem(.tooManyRequests, detail: "Too many failed sign-ins for \(name); wait five minutes.", headers: [.retryAfter: "300"])
        }
        guard let account = try await site.store.account(name: name), PasswordHasher.verify(fields["password"] ?? "", against: account.passwordHash) else {
            throttle.failed(name)
            return html(site.renderer.render(LoginView(chrome: site.chrome(), csrf: csrf, error: "The name or the password is wrong."), template: "login"),
                        status: .unauthorized)
        }
        throttle.succeeded(name)
        let secret = Secrets.make()
        let lifetime = site.configuration.sessionLifetime
        try await site.store.createSession(tokenHash: Secrets.hash(secret), account: account.name, csrfToken: Secrets.make(),
                                           expires: Date().addingTimeInterval(Double(lifetime.components.seconds)))
        var response = Response(status: .seeOther, headers: [.location: account.role == .moderator ? "/desk" : "/editor", .cacheControl: "no-store"])
        response.setCookie(cookie(CookieName.session, secret, maxAge: Int(lifetime.components.seconds)))
        return response
    }

    func logout(_ request: Request, _ context: SiteRequestContext) async throws -> Response {
        _ = try await Self.checkedForm(request, context)
        guard case .session(_, let hash) = context.identity else { throw Problem(.unauthorized, detail: "Not signed in.") }
        try await site.store.deleteSession(tokenHash: Data(hash))
        var response = Response(status: .seeOther, headers: [.location: "/", .cacheControl: "no-store"])
        response.setCookie(cookie(CookieName.session, "", maxAge: 0))
        return response
    }

    // MARK: Drafts

    func dashboard(_ request: Request, _ context: SiteRequestContext) async throws -> Response {
        let session = try Self.signedInSession(context)
        let drafts = try await site.store.drafts()
        let me = session.account.name
        let canReview = session.account.role == .reviewer || session.account.role == .admin
        let view = DashboardView(
            chrome: site.chrome(), name: me, role: session.account.role.rawValue, csrf: session.csrfToken, moderates: session.account.role.moderates,
            review: canReview ? drafts.filter { $0.state == .inReview && $0.author != me }.map(DraftRow.init) : [],
            mine: drafts.filter { $0.author == me && $0.state != .approved }.map(DraftRow.init),
            entries: site.current.entries.map { EntryLink(slug: $0.slug, title: $0.title) })
        return html(site.renderer.render(view, template: "editor"))
    }

    func newDraft(_ request: Request, _ context: SiteRequestContext) async throws -> Response {
        let session = try Self.signedInSession(context)
        let query = FormFields.parse(Substring(request.uri.query ?? "")) ?? [:]
        var json: String
        if let slug = query["slug"], let entry = try await site.store.entry(slug: slug) {
            json = String(decoding: entry.fileJSON(), as: UTF8.self)
        } else {
            json = Self.template
        }
        // "Start a draft from this cluster" (/desk/emerging) sends the cluster's posts, one per line, as phrasings.
        if query["slug"] == nil, let phrasings = query["phrasings"] {
            let lines = phrasings.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
            json = json.replacingOccurrences(of: "\"phrasings\": []", with: "\"phrasings\": " + JSONValue.strings(lines).serialized(pretty: false))
        }
        var view = DraftView(chrome: site.chrome(), heading: "New draft", csrf: session.csrfToken, action: "/editor/drafts", json: json)
        view.editable = true
        view.state = "not saved"
        view.author = session.account.name
        return html(site.renderer.render(view, template: "draft"))
    }

    func createDraft(_ request: Request, _ context: SiteRequestContext) async throws -> Response {
        let (_, fields) = try await Self.checkedForm(request, context)
        let entry = try workflow.entry(fromJSON: Array((fields["entry"] ?? "").utf8))
        let draft = try await workflow.create(.publish(entry), by: context.identity)
        return Response(status: .seeOther, headers: [.location: "/editor/drafts/\(draft.id)", .cacheControl: "no-store"])
    }

    func showDraft(_ request: Request, _ context: SiteRequestContext) async throws -> Response {
        let session = try Self.signedInSession(context)
        let draft = try await workflow.draft(try DraftAPIRoutes.id(context), for: context.identity)
        return html(site.renderer.render(try await draftView(draft, session: session, message: nil), template: "draft"))
    }

    func draftStep(_ request: Request, _ context: SiteRequestContext) async throws -> Response {
        let (session, fields) = try await Self.checkedForm(request, context)
        let id = try DraftAPIRoutes.id(context)
        var message: String
        switch fields["step"] {
        case "save":
            try await workflow.update(id, to: try workflow.entry(fromJSON: Array((fields["entry"] ?? "").utf8)), by: context.identity)
            message = "Saved."
        case "submit":
            try await workflow.submit(id, by: context.identity)
            message = "Submitted; a reviewer other than you will approve it or send it back."
        case "approve":
            let outcome = try await workflow.approve(id, by: context.identity)
            message = "Published \(outcome.slug) version \(outcome.version), and signed it into the public log."
        case "return":
            try await workflow.sendBack(id, comment: fields["comment"] ?? "", by: context.identity)
            message = "Sent back to its author."
        default:
            throw Problem.badRequest("Unknown step; the form offers save, submit, approve and return.")
        }
        let draft = try await workflow.draft(id, for: context.identity)
        return html(site.renderer.render(try await draftView(draft, session: session, message: message), template: "draft"))
    }

    func retractForm(_ request: Request, _ context: SiteRequestContext) async throws -> Response {
        let session = try Self.signedInSession(context)
        let slug = context.parameters.get("slug") ?? ""
        guard let entry = try await site.store.entry(slug: slug), entry.status == .published else { throw Problem(.notFound, detail: "\(slug) is not a published entry.") }
        return html(site.renderer.render(RetractView(chrome: site.chrome(), slug: slug, title: entry.title, csrf: session.csrfToken), template: "retract"))
    }

    func retract(_ request: Request, _ context: SiteRequestContext) async throws -> Response {
        let (_, fields) = try await Self.checkedForm(request, context)
        let draft = try await workflow.create(.retract(slug: context.parameters.get("slug") ?? "", reason: fields["reason"] ?? ""), by: context.identity)
        try await workflow.submit(draft.id, by: context.identity)
        return Response(status: .seeOther, headers: [.location: "/editor/drafts/\(draft.id)", .cacheControl: "no-store"])
    }

    // MARK: Comparing versions (public)

    func compare(_ request: Request, _ context: SiteRequestContext) async throws -> Response {
        let slug = context.parameters.get("slug") ?? ""
        let fields = FormFields.parse(Substring(request.uri.query ?? "")) ?? [:]
        let versions = try await site.store.versions(slug: slug).filter { $0.status == .published || $0.status == .retracted }
        guard let latest = versions.last else { throw Problem.notFound(request.uri.path) }
        let from = fields["from"].flatMap(Int.init) ?? max(1, latest.version - 1)
        let to = fields["to"].flatMap(Int.init) ?? latest.version
        guard let old = versions.first(where: { $0.version == from }), let new = versions.first(where: { $0.version == to }) else {
            throw Problem(.notFound, detail: "\(slug) has no published version \(from) or \(to); its versions are \(versions.map { String($0.version) }.joined(separator: ", ")).")
        }
        let view = CompareView(
            chrome: site.chrome(), title: latest.title, from: from, to: to, entryURL: SiteURL.entryPath(slug: slug),
            diffHTML: TextDiff.html(String(decoding: old.fileJSON(), as: UTF8.self), String(decoding: new.fileJSON(), as: UTF8.self)))
        return html(site.renderer.render(view, template: "compare"))
    }

    // MARK: Helpers

    private func draftView(_ draft: Draft, session: Session, message: String?) async throws -> DraftView {
        let me = session.account.name
        let role = session.account.role
        var view = DraftView(chrome: site.chrome(), heading: "Draft \(draft.id): \(draft.slug)", csrf: session.csrfToken, action: "/editor/drafts/\(draft.id)", json: "")
        view.id = draft.id
        view.state = draft.state.rawValue.replacingOccurrences(of: "_", with: " ")
        view.author = draft.author
        view.comment = draft.comment
        view.message = message
        view.canSubmit = EditorialPolicy.refusal(.submit, actor: me, role: role, draft: draft) == nil
        view.canReview = EditorialPolicy.refusal(.sendBack, actor: me, role: role, draft: draft) == nil
        switch draft.change {
        case .publish(let entry):
            view.json = String(decoding: entry.fileJSON(), as: UTF8.self)
            view.editable = EditorialPolicy.refusal(.editDraft, actor: me, role: role, draft: draft) == nil
            let current = try await site.store.entry(slug: entry.slug)
            var proposed = entry
            proposed.version = current.map { $0.version + 1 } ?? 1
            view.diffHTML = TextDiff.html(current.map { String(decoding: $0.fileJSON(), as: UTF8.self) } ?? "", String(decoding: proposed.fileJSON(), as: UTF8.self))
            view.hasDiff = true
        case .retract(_, let reason):
            view.reason = reason
        }
        return view
    }

    static func signedInSession(_ context: SiteRequestContext) throws -> Session {
        guard case .session(let session, _) = context.identity else {
            throw Problem(.unauthorized, detail: "Sign in at /login to use the editor.")
        }
        return session
    }

    static func checkedSession(_ request: Request, _ context: SiteRequestContext) async throws -> (Session, [UInt8]) {
        guard case .session(let session, let hash) = context.identity else { throw Problem(.unauthorized, detail: "Sign in at /login to use the editor.") }
        return (session, hash)
    }

    /// A form's fields, after checking that it carries this session's CSRF token.
    static func checkedForm(_ request: Request, _ context: SiteRequestContext) async throws -> (Session, [String: String]) {
        let (session, _) = try await Self.checkedSession(request, context)
        let fields = try await Self.form(request)
        guard let csrf = fields["csrf"], constantTimeEqual(Array(csrf.utf8), Array(session.csrfToken.utf8)) else {
            throw Problem(.forbidden, detail: "The form did not carry this session's token (CSRF check); reload the page and try again.")
        }
        return (session, fields)
    }

    static func form(_ request: Request) async throws -> [String: String] {
        let body = try await request.collectBody(limit: 1 << 20, what: "The form")
        guard let text = String(validating: body.readableBytesView, as: UTF8.self), let fields = FormFields.parse(Substring(text)) else {
            throw Problem.badRequest("The form is not valid URL-encoded UTF-8 text.")
        }
        return fields
    }

    private func cookie(_ name: String, _ value: String, maxAge: Int) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: secureCookies, httpOnly: true, sameSite: .strict)
    }

    static let template = """
        {
          "slug": "new-rumor",
          "title": "",
          "rumor": "",
          "reality": "",
          "details": "",
          "sources": [{"title": "", "publisher": "", "url": "https://", "date": "2020-11"}],
          "topics": [],
          "jurisdictions": ["US"],
          "keywords": [],
          "phrasings": [],
          "corrections": [],
          "language": "en",
          "created": "2020-11-01",
          "updated": "2020-11-01",
          "last_reviewed": "2020-11-01"
        }
        """
}

struct LoginView {
    var chrome: Chrome
    var csrf: String
    var error: String?
}

struct DraftRow {
    var id: Int64
    var slug: String
    var kind: String
    var state: String
    var author: String
    var comment: String?

    init(_ draft: Draft) {
        id = draft.id
        slug = draft.slug
        if case .retract = draft.change { kind = "retract" } else { kind = "publish" }
        state = draft.state.rawValue.replacingOccurrences(of: "_", with: " ")
        author = draft.author
        comment = draft.comment
    }
}

struct EntryLink {
    var slug: String
    var title: String
}

struct DashboardView {
    var chrome: Chrome
    var name: String
    var role: String
    var csrf: String
    /// Whether the account may use the moderation desk (the page links it).
    var moderates: Bool
    var review: [DraftRow]
    var mine: [DraftRow]
    var entries: [EntryLink]
}

struct DraftView {
    var chrome: Chrome
    var heading: String
    var csrf: String
    var action: String
    var json: String
    var id: Int64?
    var state = ""
    var author = ""
    var comment: String?
    var reason: String?
    var message: String?
    var editable = false
    var canSubmit = false
    var canReview = false
    var hasDiff = false
    var diffHTML = ""
}

struct RetractView {
    var chrome: Chrome
    var slug: String
    var title: String
    var csrf: String
}

struct CompareView {
    var chrome: Chrome
    var title: String
    var from: Int
    var to: Int
    var entryURL: String
    var diffHTML: String
}
