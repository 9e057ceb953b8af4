import Foundation
import HTTPTypes
import Hummingbird
import RumorCore

/// An error answered as an RFC 9457 problem: `application/problem+json` for API clients, an error page for browsers.
///
/// The `detail` is written for the person who sent the request: what was wrong and what to do. It never holds
/// secrets or stack traces.
public struct Problem: Error, Sendable {
    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// A short, fixed summary of the kind of problem.
    public var title: String
    /// What went wrong with this request, and what to do about it.
    public var detail: String
    /// Extra response headers (e.g. `Allow` for 405).
    public var headers: HTTPFields = [:]

    /// Creates a problem.
    public init(_ status: HTTPResponse.Status, title: String? = nil, detail: String, headers: HTTPFields = [:]) {
        self.status = status
        self.title = title ?? status.reasonPhrase
        self.detail = detail
        self.headers = headers
    }

    /// The problem document (RFC 9457 members `type`, `title`, `status`, `detail`, `instance`).
    public func json(instance: String) -> String {
        JSONValue.members([
            ("type", .string("about:blank")),
            ("title", .string(title)),
            ("status", .number(String(status.code))),
            ("detail", .string(detail)),
            ("instance", .string(instance)),
        ]).serialized(pretty: false)
    }

    /// 400 for a request body that cannot be used.
    static func badRequest(_ detail: String) -> Problem { Problem(.badRequest, detail: detail) }

    /// 404 for a path that names nothing.
    static func notFound(_ path: String) -> Problem {
        Problem(.notFound, detail: "Nothing is published at \(path). The list of rumors is at /, the API at /api/openapi.json.")
    }

    /// 413 for a body over a limit.
    static func tooLarge(_ what: String, limit: Int) -> Problem {
        Problem(.contentTooLarge, detail: "\(what) is larger than the limit of \(limit) bytes.")
    }

    /// 503 while the matcher is not available.
    static func matcherUnavailable(_ reason: String) -> Problem {
        Problem(.serviceUnavailable, title: "Matcher not available", detail: reason, headers: [.retryAfter: "5"])
    }
}
