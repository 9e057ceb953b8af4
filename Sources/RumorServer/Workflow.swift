import Foundation
import HTTPTypes
import RumorCore
import RumorStore

/// The editorial workflow as the site and the API share it: every step checks ``EditorialPolicy`` for the identity
/// asking, and answers with the HTTP problem a refusal deserves (401, 403, 404, 409).
struct Workflow: Sendable {
    let site: SiteState
    let matcher: MatcherService

    /// The identity, or 401.
    func signedIn(_ identity: Identity?) throws -> (actor: String, role: Role) {
        guard let identity else { throw Problem(.unauthorized, detail: "Sign in at /login (or send an API token) to use the editor.") }
        guard let role = identity.role else { throw Problem(.forbidden, detail: "A label-scope token cannot edit; ask an admin for an edit-scope token.") }
        return (identity.actor, role)
    }

    /// Parses an entry file's JSON, with every problem listed.
    func entry(fromJSON bytes: some Collection<UInt8>) throws -> Entry {
        switch EntryFile.decode(bytes, path: "draft") {
        case .success(let entry): return entry
        case .failure(let error): throw Problem(.unprocessableContent, title: "Invalid entry", detail: error.description)
        }
    }

    func create(_ change: Draft.Change, by identity: Identity?) async throws -> Draft {
        let (actor, role) = try signedIn(identity)
        if let refusal = EditorialPolicy.refusal(.createDraft, actor: actor, role: role) { throw Problem(.forbidden, detail: refusal) }
        if case .retract(let slug, let reason) = change {
            guard try await site.store.entry(slug: slug)?.status == .published else { throw Problem(.notFound, detail: "\(slug) is not a published entry.") }
            guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw Problem(.unprocessableContent, title: "Reason required", detail: "A retraction needs a public reason; it is shown on the entry's page and signed into the log.")
            }
        }
        return try await site.store.createDraft(change, author: actor)
    }

    func draft(_ id: Int64, for identity: Identity?) async throws -> Draft {
        _ = try signedIn(identity)
        guard let draft = try await site.store.draft(id: id) else { throw Problem(.notFound, detail: "There is no draft \(id).") }
        return draft
    }

    func update(_ id: Int64, to entry: Entry, by identity: Identity?) async throws {
        let (actor, role) = try signedIn(identity)
        let draft = try await self.draft(id, for: identity)
        try check(.editDraft, actor: actor, role: role, draft: draft)
        try await site.store.updateDraft(id: id, change: .publish(entry))
    }

    func submit(_ id: Int64, by identity: Identity?) async throws {
        let (actor, role) = try signedIn(identity)
        let draft = try await self.draft(id, for: identity)
        try check(.submit, actor: actor, role: role, draft: draft)
        try await site.store.setDraftState(id: id, .inReview)
    }

    func sendBack(_ id: Int64, comment: String, by identity: Identity?) async throws {
        let (actor, role) = try signedIn(identity)
        let draft = try await self.draft(id, for: identity)
        try check(.sendBack, actor: actor, role: role, draft: draft)
        try await site.store.setDraftState(id: id, .returned, comment: comment, reviewer: actor)
    }

    /// Publishes an approved draft (its leaf is appended in the same transaction) and refreshes the site.
    func approve(_ id: Int64, by identity: Identity?) async throws -> ImportOutcome {
        let (actor, role) = try signedIn(identity)
        let draft = try await self.draft(id, for: identity)
        try check(.approve, actor: actor, role: role, draft: draft)
        let outcome: ImportOutcome
        do {
            outcome = try await site.store.approve(draftID: id, reviewer: actor)
        } catch let error as StoreError where error.code == .conflict {
            throw Problem(.conflict, detail: error.message)
        }
        try await site.refresh()
        matcher.reload()
        return outcome
    }

    private func check(_ action: EditorialPolicy.Action, actor: String, role: Role, draft: Draft) throws {
        guard let refusal = EditorialPolicy.refusal(action, actor: actor, role: role, draft: draft) else { return }
        let stateProblem = refusal.contains("not waiting") || refusal.contains("not open")
        throw Problem(stateProblem ? .conflict : .forbidden, detail: "You may not \(action.rawValue): \(refusal).")
    }
}
