import Foundation
import RumorCore
import RumorServer
import RumorStore

/// A database ready for publishing: an author (ana) and a reviewer (bo) with a live session, and drafts in review.
struct ReviewFixture: Sendable {
    /// The reviewer's session secret (the `rc_session` cookie).
    let secret: String
    /// The session's CSRF token.
    let csrf: String
    /// Drafts waiting for review, each a new entry `<prefix>-<n>`.
    let drafts: [Int64]

    /// The headers a reviewer's API call carries.
    var headers: [String: String] { ["Cookie": "rc_session=\(secret)", "X-CSRF-Token": csrf] }

    /// Adds the accounts, the session and `count` drafts to `store`.
    static func prepare(_ store: any SiteStore, drafts count: Int, prefix: String = "published") async throws -> ReviewFixture {
        let hasher = PasswordHasher(rounds: 1 << 10)
        try await store.createAccount(name: "ana", role: .author, passwordHash: try hasher.hash("ana-password-123"))
        try await store.createAccount(name: "bo", role: .reviewer, passwordHash: try hasher.hash("bo-password-1234"))
        let secret = Secrets.make()
        let csrf = Secrets.make()
        try await store.createSession(tokenHash: Secrets.hash(secret), account: "bo", csrfToken: csrf, expires: Date().addingTimeInterval(86_400))
        var template = try ShippedKnowledgeBase.entries()[0]
        var drafts: [Int64] = []
        for index in 0..<count {
            template.slug = "\(prefix)-\(index)"
            let draft = try await store.createDraft(.publish(template), author: "ana")
            try await store.setDraftState(id: draft.id, .inReview)
            drafts.append(draft.id)
        }
        return ReviewFixture(secret: secret, csrf: csrf, drafts: drafts)
    }
}
