import HTTPTypes
import Hummingbird

/// The headers every response carries: a Content-Security-Policy that allows no script at all (the site needs
/// none; the JSON-LD block is data, not script), no framing, no MIME sniffing, and a referrer policy that never
/// sends a path to another site.
enum SecurityHeaders {
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!

    static let fields: [(HTTPField.Name, String)] = [
        (.contentSecurityPolicy, contentSecurityPolicy),
        (.xContentTypeOptions, "nosniff"),
        (referrerPolicy, "strict-origin-when-cross-origin"),
        (HTTPField.Name("X-Frame-Options")!, "DENY"),
    ]

    /// Adds the headers (and HSTS when the site is served over https).
    static func add(to headers: inout HTTPFields, https: Bool) {
        for (name, value) in fields where headers[name] == nil { headers[name] = value }
        if https { headers[.strictTransportSecurity] = "max-age=31536000" }
    }
}

/// Puts ``SecurityHeaders`` on every response the router makes.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = SiteRequestContext
    let https: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        SecurityHeaders.add(to: &response.headers, https: https)
        return response
    }
}
