import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RumorCore
import RumorMatch
import RumorStore

/// The JSON API under `/api/v1`, the OpenAPI document, and the operational endpoints.
struct APIRoutes {
    let site: SiteState
    let matcher: MatcherService
    let metrics: ServerMetrics
    let openAPI: CachedResource
    let limiter: RateLimiter?
    /// The witnesses asked to cosign the log's checkpoints, when any are configured.
    var witnesses: WitnessCosigner? = nil

    /// Posts labelled together in a batch: they share encoder passes, and the output stays in input order.
    static let batchChunk = 16
    /// How much of a batch past its limit is read and dropped before the connection is closed.
    static let drainLimit = 64 << 20

    func add(to router: Router<SiteRequestContext>) {
        let snapshotDocument: Handler = { request, _ in try site.current.resource(request) }
        router.route(RouterPath(SitePath.apiEntries), [.get: snapshotDocument])
        router.route("/api/v1/entries/{slug}", [.get: snapshotDocument])
        router.route(RouterPath(SitePath.apiLabel), [.post: label])
        router.route(RouterPath(SitePath.apiLabelBatch), [.post: labelBatch])
        router.route(RouterPath(SitePath.openAPI), [.get: { request, _ in openAPI.response(to: request) }])
        router.route(RouterPath(SitePath.health), [.get: { _, _ in health() }])
        router.route(RouterPath(SitePath.ready), [.get: { _, _ in try ready() }])
        router.route(RouterPath(SitePath.metrics), [.get: { _, _ in
            // The queue's gauges come from the shared database, so every replica reports the same queue.
            if let counts = try? await site.store.queueCounts() { metrics.recordQueue(counts) }
            return Response(status: .ok, headers: [.contentType: MediaTypes.prometheus, .cacheControl: "no-store"],
                     body: .init(byteBuffer: ByteBuffer(string: metrics.exposition())))
        }])
    }

    /// `POST /api/v1/label`: `{"text": "..."}` → `{"labels": [...], "review": [...]}`.
    /// Refuses anonymous callers when the label API is configured token-only.
    func checkLabelAccess(_ context: SiteRequestContext) throws {
        try limiter?.take(context.rateLimitKey)
        guard site.configuration.labelAccess == .token else { return }
        guard case .token = context.identity else {
            throw Problem(.unauthorized, detail: "This server's label API needs an API token: send Authorization: Bearer TOKEN (rumorctl token create).",
                          headers: [.wwwAuthenticate: "Bearer"])
        }
    }

    func label(_ request: Request, _ context: SiteRequestContext) async throws -> Response {
        try checkLabelAccess(context)
        let limit = site.configuration.maxPostBytes
        let body = try await request.collectBody(limit: limit + 1024, what: "The request body")
        let node: JSONNode
        do {
            node = try JSONParser.parse(body.readableBytesView)
        } catch {
            throw Problem.badRequest("The body is not valid JSON: \(error.message) (line \(error.line), column \(error.column)).")
        }
        guard case .object = node.value else { throw Problem.badRequest("The body must be a JSON object {\"text\": \"...\"}, not \(node.typeName).") }
        guard case .string(let text) = node["text"]?.value else { throw Problem.badRequest("The member \"text\" is missing or not a string.") }
        guard text.utf8.count <= limit else { throw Problem.tooLarge("The post's text", limit: limit) }
        let post = try PostLine.parse(.success(node), number: 1).get()
        let origin = try queueOrigin(context, asked: post.queue, post: post)
        let (decided, queued) = try await matcher.match([text], origins: [origin])
        metrics.recordMatches(decided)
        let ids = try await enqueue(queued)
        return json(Self.withQueueID(decided[0].result.jsonText, ids.first))
    }

    /// Who a post is queued for, when it is to be queued: the request's `"queue"`, else the token's default.
    /// Queueing keeps personal data, so it needs a caller who signed in or holds a token (401 otherwise).
    func queueOrigin(_ context: SiteRequestContext, asked: Bool?, post: PostLine) throws -> PostOrigin? {
        var tokenDefault = false
        if case .token(let token) = context.identity { tokenDefault = token.queuesPosts }
        guard asked ?? tokenDefault else { return nil }
        guard let identity = context.identity else {
            throw Problem(.unauthorized, detail: "Queueing posts for the moderation desk needs an API token (rumorctl token create) or a signed-in session.",
                          headers: [.wwwAuthenticate: "Bearer"])
        }
        return PostOrigin(externalID: post.externalID, url: post.url, caller: identity.actor)
    }

    /// Stores what the desk keeps; returns the queue ids of the posts sent to review, in order.
    func enqueue(_ queued: [QueueSubmission]) async throws -> [Int64] {
        guard !queued.isEmpty else { return [] }
        let ids = try await site.store.enqueue(queued)
        return zip(queued, ids).filter { $0.0.kind == .review }.map(\.1)
    }

    /// A result's JSON object with `"queue_id"` added when the post went to the review queue.
    static func withQueueID(_ object: String, _ id: Int64?) -> String {
        guard let id, object.hasSuffix("}") else { return object }
        return String(object.dropLast()) + ",\"queue_id\":\(id)}"
    }

    /// `POST /api/v1/label/batch`: NDJSON posts in, NDJSON results out, both streamed, in order. A bad line is
    /// answered by an error object on its own output line and the stream goes on.
    func labelBatch(_ request: Request, _ context: SiteRequestContext) async throws -> Response {
        try checkLabelAccess(context)
        _ = try matcher.ready()
        let limit = site.configuration.maxBatchBytes
        let postLimit = site.configuration.maxPostBytes
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit { throw Problem.tooLarge("The batch", limit: limit) }
        let body = request.body
        let matcher = matcher
        let metrics = metrics
        return Response(status: .ok, headers: [.contentType: MediaTypes.ndjson, .cacheControl: "no-store"], body: ResponseBody { writer in
            var lines = LineBuffer(maximumLineLength: 2 * postLimit + 1024)
            var chunk: [Result<PostLine, PostLineError>] = []
            var received = 0
            func flush(_ writer: inout any ResponseBodyWriter) async throws {
                guard !chunk.isEmpty else { return }
                let posts = chunk.compactMap { try? $0.get() }
                let (decided, queued) = try await matcher.match(posts.map(\.text), origins: posts.map { origins[$0.number] })
                metrics.recordMatches(decided)
                // Review posts are queued in order, so their ids line up with the posts whose result has review items only.
                var reviewIDs = try await enqueue(queued).makeIterator()
                var results = decided.map(\.result).makeIterator()
                var output = ""
                for line in chunk {
                    switch line {
                    case .success(let post):
                        let result = results.next() ?? .none
                        let queueID = origins[post.number] != nil && result.needsReview ? reviewIDs.next() : nil
                        output += Self.withQueueID(result.jsonLine(id: post.id), queueID) + "\n"
                    case .failure(let error): output += error.jsonLine + "\n"
                    }
                }
                chunk.removeAll(keepingCapacity: true)
                origins.removeAll(keepingCapacity: true)
                try await writer.write(ByteBuffer(string: output))
            }
            // Per line number of the chunk, where a post to queue came from (posts not to queue have none).
            var origins: [Int: PostOrigin] = [:]
            func take(_ item: LineBuffer.Item) {
                if case .line(_, let bytes) = item, LineBuffer.isBlank(bytes) { return }
                let line = PostLine.parse(item).flatMap { post in
                    post.text.utf8.count <= postLimit ? .success(post)
                        : .failure(PostLineError(line: post.number, id: post.id, message: "the text is longer than \(postLimit) bytes"))
                }
                if case .success(let post) = line {
                    do {
                        if let origin = try queueOrigin(context, asked: post.queue, post: post) { origins[post.number] = origin }
                    } catch {
                        chunk.append(.failure(PostLineError(line: post.number, id: post.id, message: "queueing needs an API token; the post was not labelled")))
                        return
                    }
                }
                chunk.append(line)
            }
            var overLimit = false
            var buffers = body.makeAsyncIterator()
            while let buffer = try await buffers.next() {
                received += buffer.readableBytes
                if received > limit {
                    overLimit = true
                    break
                }
                lines.append(buffer.readableBytesView)
                while let item = lines.nextLine() {
                    take(item)
                    if chunk.count >= Self.batchChunk { try await flush(&writer) }
                }
            }
            if !overLimit, let last = lines.finish() { take(last) }
            try await flush(&writer)
            if overLimit {
                let message = "the batch is larger than the limit of \(limit) bytes; the posts after this point were not read"
                try await writer.write(ByteBuffer(string: "{\"id\":null,\"error\":\(JSONValue.string(message).serialized(pretty: false))}\n"))
                // Read and drop what the client is still sending (up to a bound), so closing the connection does not
                // reset it and destroy the answers already sent.
                var dropped = 0
                while dropped < Self.drainLimit, let buffer = try await buffers.next() { dropped += buffer.readableBytes }
            }
            try await writer.finish(nil)
        })
    }

    func health() -> Response {
        let state: String = switch matcher.current {
        case .loading: "loading"
        case .ready: "ready"
        case .failed: "failed"
        }
        let body = JSONValue.members([
            ("status", .string("ok")), ("matcher", .string(state)), ("entries", .number(String(site.current.entries.count))),
        ])
        return json(body.serialized(pretty: false), cache: "no-store")
    }

    /// Ready once the matcher is in memory; the body says whether posts in Spanish are read across languages and
    /// whether labels are verified and, when not, why (the matcher then falls back to the English model alone, or to
    /// the scorer alone).
    func ready() throws -> Response {
        let loaded = try matcher.ready()
        var members: [(String, JSONValue)] = [("status", .string("ready")), ("cross_lingual", .string(loaded.crossLingualOffReason == nil ? "on" : "off"))]
        if let reason = loaded.crossLingualOffReason { members.append(("cross_lingual_reason", .string(reason))) }
        members.append(("verifier", .string(loaded.verifierOffReason == nil ? "on" : "off")))
        if let reason = loaded.verifierOffReason { members.append(("verifier_reason", .string(reason))) }
        if let witnesses {
            let statuses = witnesses.current
            members.append(("witness_quorum", .number(String(witnesses.quorum))))
            members.append(("witnessed", .bool(witnesses.quorumCosigned(statuses))))
            members.append(
                ("witnesses", .array(statuses.map { status -> JSONNode in
                    var fields: [(String, JSONValue)] = [("name", .string(status.name)), ("cosigned_size", status.cosignedSize.map { .number(String($0)) } ?? .null)]
                    if let error = status.lastError { fields.append(("error", .string(error))) }
                    return JSONNode(.members(fields), line: 0)
                })))
        }
        return json(JSONValue.members(members).serialized(pretty: false), cache: "no-store")
    }

    func json(_ text: String, cache: String = "no-store") -> Response {
        Response(status: .ok, headers: [.contentType: MediaTypes.json, .cacheControl: cache], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
