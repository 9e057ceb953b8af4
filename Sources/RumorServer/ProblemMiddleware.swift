import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import RumorStore

/// Turns every error into a response the client can use: `application/problem+json` (RFC 9457) under `/api/` and
/// for clients that ask for JSON, an HTML error page for everyone else. Unexpected errors are logged and answered
/// with a 500 that reveals nothing internal.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = SiteRequestContext
    let renderer: PageRenderer
    let stylesheet: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = Self.problem(for: error, path: request.uri.path)
            if problem.status.code >= 500 && !(error is Problem) {
                context.logger.error("request failed: \(String(describing: error))")
            }
            return response(problem, to: request)
        }
    }

    /// The problem an error stands for.
    static func problem(for error: any Error, path: String) -> Problem {
        switch error {
        case let problem as Problem: return problem
        case let error as HTTPError where error.status == .notFound: return .notFound(path)
        case let error as HTTPError: return Problem(error.status, detail: error.body ?? error.status.reasonPhrase)
        case is NIOTooManyBytesError: return Problem(.contentTooLarge, detail: "The request body is larger than this route accepts.")
        case let error as StoreError: return storageProblem(error)
        default: return Problem(.internalServerError, detail: "The server failed to answer this request. The failure has been logged.")
        }
    }

    /// The problem for a store failure. The details name no file: the full message goes to the server's log.
    static func storageProblem(_ error: StoreError) -> Problem {
        switch error.code {
        case .diskFull:
            return Problem(.init(code: 507, reasonPhrase: "Insufficient Storage"),
                           detail: "The server's disk is full, so nothing was saved. Try again once its operator has freed some space.",
                           headers: [.retryAfter: "60"])
        case .readOnly:
            return Problem(.serviceUnavailable, detail: "The server's database is read-only just now, so nothing was saved. Try again later.",
                           headers: [.retryAfter: "60"])
        case .locked:
            return Problem(.serviceUnavailable, detail: "The database is busy; nothing was saved. Try again in a moment.", headers: [.retryAfter: "1"])
        case .conflict:
            return Problem(.conflict, detail: error.message)
        case .notFound:
            return Problem(.notFound, detail: error.message)
        case .invalid:
            return Problem(.unprocessableContent, detail: error.message)
        default:
            return Problem(.internalServerError, detail: "The server failed to answer this request. The failure has been logged.")
        }
    }

    func response(_ problem: Problem, to request: Request) -> Response {
        var headers = problem.headers
        let body: String
        let wantsJSON = SitePath.isForMachines(request.uri.path) || (request.headers[.accept] ?? "").contains("json")
        if wantsJSON {
            headers[.contentType] = MediaTypes.problem
            body = problem.json(instance: request.uri.path)
        } else {
            headers[.contentType] = MediaTypes.html
            body = renderer.render(ErrorView(chrome: Chrome(stylesheet: stylesheet), title: problem.title, detail: problem.detail), template: "error")
        }
        headers[.cacheControl] = "no-store"
        return Response(status: problem.status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
