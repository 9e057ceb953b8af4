import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import RumorCore

/// A response body rendered once and served many times, with the validators that let clients reuse it.
struct CachedResource: Sendable {
    /// The bytes.
    let body: ByteBuffer
    /// The `Content-Type`.
    let contentType: String
    /// A strong `ETag`: the body's SHA-256, quoted.
    let etag: String
    /// The `Cache-Control` value.
    let cacheControl: String
    /// The route pattern it answers, for metrics (`/rumors/{slug}`).
    let route: String

    init(_ text: String, contentType: String, cacheControl: String, route: String) {
        self.init(bytes: Array(text.utf8), contentType: contentType, cacheControl: cacheControl, route: route)
    }

    init(bytes: [UInt8], contentType: String, cacheControl: String, route: String) {
        body = ByteBuffer(bytes: bytes)
        self.contentType = contentType
        self.cacheControl = cacheControl
        self.route = route
        etag = "\"" + Hex.encode(SHA256.hash(data: bytes).prefix(16)) + "\""
    }

    /// The status, headers and body to answer with: 304 without a body when `If-None-Match` names this version.
    func answer(ifNoneMatch: String?) -> (status: HTTPResponse.Status, headers: HTTPFields, body: ByteBuffer?) {
        var headers: HTTPFields = [.eTag: etag, .cacheControl: cacheControl, .contentType: contentType]
        if let ifNoneMatch, Self.matches(ifNoneMatch, etag: etag) { return (.notModified, headers, nil) }
        headers[.contentLength] = String(body.readableBytes)
        return (.ok, headers, body)
    }

    /// The resource for this request through the router.
    func response(to request: Request) -> Response {
        let answer = answer(ifNoneMatch: request.headers[.ifNoneMatch])
        return Response(status: answer.status, headers: answer.headers, body: answer.body.map { .init(byteBuffer: $0) } ?? .init())
    }

    /// Whether an `If-None-Match` value names this ETag (or `*`).
    static func matches(_ ifNoneMatch: String, etag: String) -> Bool {
        ifNoneMatch.split(separator: ",").contains { let tag = $0.trimmingCharacters(in: .whitespaces); return tag == etag || tag == "*" }
    }
}

/// Media types the server answers with.
enum MediaTypes {
    static let html = "text/html; charset=utf-8"
    static let json = "application/json"
    static let problem = "application/problem+json"
    static let ndjson = "application/x-ndjson"
    static let atom = "application/atom+xml; charset=utf-8"
    static let xml = "application/xml; charset=utf-8"
    static let text = "text/plain; charset=utf-8"
    static let css = "text/css; charset=utf-8"
    static let javascript = "text/javascript; charset=utf-8"
    static let prometheus = "text/plain; version=0.0.4; charset=utf-8"
}
