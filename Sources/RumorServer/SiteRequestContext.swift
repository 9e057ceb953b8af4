import Hummingbird
import RumorCore
import RumorStore

/// The per-request context of the RumorControl server.
public struct SiteRequestContext: RequestContext {
    /// Hummingbird's own per-request storage (logger, route, parameters).
    public var coreContext: CoreRequestContextStorage
    /// Who is asking, when the request carried a valid session cookie or API token.
    public var identity: Identity?
    /// The client's IP address, for rate limits.
    public var clientAddress: String

    /// Creates the context for a new request.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// The key a rate limit counts this caller under: its API token, else its address.
    var rateLimitKey: String {
        if case .token(let token) = identity { return "token:" + token.name }
        return "address:" + clientAddress
    }
}

/// Who made a request.
public enum Identity: Sendable {
    /// An editor signed in with a browser session.
    case session(Session, secretHash: [UInt8])
    /// A program with an API token.
    case token(APIToken)

    /// The name recorded as author or reviewer: the account's name, or `token:<name>`.
    public var actor: String {
        switch self {
        case .session(let session, _): session.account.name
        case .token(let token): "token:" + token.name
        }
    }

    /// The role it acts with: a session's account role; an `edit` token acts as an author, a `moderate` token as a moderator.
    public var role: Role? {
        switch self {
        case .session(let session, _): session.account.role
        case .token(let token):
            switch token.scope {
            case .label: nil
            case .edit: .author
            case .moderate: .moderator
            }
        }
    }
}
