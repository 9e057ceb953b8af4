import RumorCore
import RumorTestSupport
import Testing

@Suite("Editorial rules")
struct EditorialPolicyTests {
    func draft(author: String = "ana", state: Draft.State = .inReview, change: Draft.Change? = nil) throws -> Draft {
        Draft(id: 1, change: try change ?? .publish(Fixtures.entry("trump-won")), author: author, state: state)
    }

    @Test("nobody approves their own draft, and an author cannot approve at all")
    func twoPeople() throws {
        #expect(EditorialPolicy.refusal(.approve, actor: "ana", role: .reviewer, draft: try draft())?.contains("own draft") == true)
        #expect(EditorialPolicy.refusal(.approve, actor: "ana", role: .admin, draft: try draft()) != nil)
        #expect(EditorialPolicy.refusal(.approve, actor: "bo", role: .author, draft: try draft())?.contains("reviewer role") == true)
        #expect(EditorialPolicy.refusal(.approve, actor: "bo", role: .reviewer, draft: try draft()) == nil)
        #expect(EditorialPolicy.refusal(.approve, actor: "bo", role: .admin, draft: try draft()) == nil)
    }

    @Test("only drafts waiting for review can be approved or sent back; only open drafts can be edited, by their author")
    func states() throws {
        for state in [Draft.State.draft, .returned, .approved] {
            #expect(EditorialPolicy.refusal(.approve, actor: "bo", role: .reviewer, draft: try draft(state: state)) != nil)
            #expect(EditorialPolicy.refusal(.sendBack, actor: "bo", role: .reviewer, draft: try draft(state: state)) != nil)
        }
        #expect(EditorialPolicy.refusal(.editDraft, actor: "ana", role: .author, draft: try draft(state: .draft)) == nil)
        #expect(EditorialPolicy.refusal(.submit, actor: "ana", role: .author, draft: try draft(state: .returned)) == nil)
        #expect(EditorialPolicy.refusal(.editDraft, actor: "ana", role: .author, draft: try draft(state: .inReview)) != nil)
        #expect(EditorialPolicy.refusal(.editDraft, actor: "bo", role: .admin, draft: try draft(state: .draft)) != nil)
    }

    @Test("a retraction without a public reason is refused")
    func retractionReason() throws {
        let blank = try draft(change: .retract(slug: "trump-won", reason: "  "))
        #expect(EditorialPolicy.refusal(.approve, actor: "bo", role: .reviewer, draft: blank)?.contains("reason") == true)
        let reasoned = try draft(change: .retract(slug: "trump-won", reason: "Merged into election-stolen."))
        #expect(EditorialPolicy.refusal(.approve, actor: "bo", role: .reviewer, draft: reasoned) == nil)
    }

    @Test("only admins manage accounts")
    func accounts() {
        #expect(EditorialPolicy.refusal(.manageAccounts, actor: "x", role: .admin) == nil)
        #expect(EditorialPolicy.refusal(.manageAccounts, actor: "x", role: .reviewer) != nil)
        #expect(EditorialPolicy.refusal(.manageAccounts, actor: "x", role: .author) != nil)
    }
}
