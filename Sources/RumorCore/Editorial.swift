import Foundation

/// What an editor may do on the site.
public enum Role: String, Sendable, Hashable, Codable, CaseIterable {
    /// Writes drafts and submits them for review.
    case author
    /// Also approves or returns other people's drafts, and approves retractions.
    case reviewer
    /// Also manages accounts and API tokens.
    case admin
    /// Decides the posts the matcher sends to review (the moderation desk); writes no drafts.
    case moderator

    /// Whether the role may decide queued posts: moderators, reviewers and admins.
    public var moderates: Bool { self != .author }
}

/// A change to the knowledge base waiting for a second person.
public struct Draft: Sendable, Hashable {
    /// What the draft would do once approved.
    public enum Change: Sendable, Hashable {
        /// Publish a new entry, or a new version of one.
        case publish(Entry)
        /// Retract a published entry, for a public reason.
        case retract(slug: String, reason: String)

        /// The slug of the entry it changes.
        public var slug: String {
            switch self {
            case .publish(let entry): entry.slug
            case .retract(let slug, _): slug
            }
        }
    }

    /// Where the draft stands.
    public enum State: String, Sendable, Hashable, Codable {
        /// Being written; only its author sees it.
        case draft
        /// Submitted; waiting for a reviewer.
        case inReview = "in_review"
        /// Sent back by a reviewer with a comment; the author may edit and submit again.
        case returned
        /// Approved and published (or retracted); kept for the record.
        case approved
    }

    /// The draft's number.
    public var id: Int64
    /// The change.
    public var change: Change
    /// Who wrote it.
    public var author: String
    /// Where it stands.
    public var state: State
    /// The reviewer's comment when returned.
    public var comment: String?

    /// Creates a draft.
    public init(id: Int64, change: Change, author: String, state: State, comment: String? = nil) {
        self.id = id
        self.change = change
        self.author = author
        self.state = state
        self.comment = comment
    }

    /// The slug the draft is about.
    public var slug: String { change.slug }
}

/// The editorial rules, in one place, as pure decisions: who may do what to a draft.
///
/// Two people take part in every change to the public record: the author of a draft can never approve it, and
/// an author alone can never publish or retract.
public enum EditorialPolicy {
    /// An editorial action.
    public enum Action: String, Sendable, Hashable, CaseIterable {
        case createDraft = "create a draft"
        case editDraft = "edit the draft"
        case submit = "submit the draft for review"
        case approve = "approve the draft"
        case sendBack = "send the draft back"
        case manageAccounts = "manage accounts and tokens"
        case moderate = "decide posts in the review queue"
    }

    /// Whether `actor` (with `role`) may take `action` on `draft`; when not, why, in words for the editor.
    public static func refusal(_ action: Action, actor: String, role: Role, draft: Draft? = nil) -> String? {
        switch action {
        case .createDraft:
            return role == .moderator ? "writing drafts needs the author role; a moderator decides queued posts" : nil
        case .moderate:
            return role.moderates ? nil : "deciding queued posts needs the moderator, reviewer or admin role"
        case .editDraft, .submit:
            guard let draft else { return "there is no such draft" }
            if draft.author != actor { return "only its author, \(draft.author), may \(action.rawValue)" }
            if draft.state != .draft && draft.state != .returned { return "the draft is \(draft.state.rawValue.replacingOccurrences(of: "_", with: " ")), not open for changes" }
            return nil
        case .approve, .sendBack:
            guard let draft else { return "there is no such draft" }
            if role == .author || role == .moderator { return "approving needs the reviewer role" }
            if draft.author == actor { return "nobody may \(action == .approve ? "approve" : "review") their own draft; another reviewer must" }
            if draft.state != .inReview { return "the draft is not waiting for review" }
            if action == .sendBack { return nil }
            if case .retract(_, let reason) = draft.change, reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                return "a retraction needs a public reason"
            }
            return nil
        case .manageAccounts:
            return role == .admin ? nil : "managing accounts needs the admin role"
        }
    }
}
