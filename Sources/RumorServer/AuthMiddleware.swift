import Foundation
import HTTPTypes
import Hummingbird
import RumorStore
import Synchronization

/// Names of the cookies the site sets.
enum CookieName {
    /// The browser session's secret.
    static let session = "rc_session"
    /// The token a sign-in form carries before there is a session (double-submit).
    static let loginCSRF = "rc_login_csrf"
}

/// Finds who is asking: an `Authorization: Bearer` API token, or a session cookie. Requests with neither go on
/// anonymous; a token that is unknown or revoked is refused with 401 at once.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = SiteRequestContext
    let store: any SiteStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let authorization = request.headers[.authorization] {
            guard authorization.hasPrefix("Bearer "), let token = try await store.token(hash: Secrets.hash(String(authorization.dropFirst(7)))) else {
                throw Problem(.unauthorized, detail: "The API token is unknown or revoked. Ask an admin for one (rumorctl token create).",
                              headers: [.wwwAuthenticate: "Bearer"])
            }
            context.identity = .token(token)
        } else if let secret = request.cookies[CookieName.session]?.value {
            let hash = Secrets.hash(secret)
            if let session = try await store.session(tokenHash: hash) { context.identity = .session(session, secretHash: Array(hash)) }
        }
        return try await next(request, context)
    }
}

/// Counts failed sign-ins per account name and refuses more than a few in a window, so passwords cannot be guessed
/// at speed.
final class LoginThrottle: Sendable {
    static let maximumFailures = 5
    static let window: Duration = .seconds(300)
    private let failures = Mutex<[String: [ContinuousClock.Instant]]>([:])

    /// Whether `name` may try now.
    func allows(_ name: String) -> Bool {
        failures.withLock { all in
            let now = ContinuousClock.now
            all[name] = all[name, default: []].filter { now - $0 < Self.window }
            return all[name, default: []].count < Self.maximumFailures
        }
    }

    /// Records a failed attempt.
    func failed(_ name: String) { failures.withLock { $0[name, default: []].append(.now) } }

    /// Forgets the failures after a success.
    func succeeded(_ name: String) { failures.withLock { _ = $0.removeValue(forKey: name) } }
}
