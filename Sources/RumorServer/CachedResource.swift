import Crypto
import Foundation
import HTTPTypes
import Hummingbird

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
        etag = "\"" + SHA256.hash(data: bytes).prefix(16).map { String(format: "%02x", $0) }.joined() + "\""
    }

    /// The resource for this request: the body, or 304 Not Modified when the client's copy is current.
    func response(to request: Request, status: HTTPResponse.Status = .ok) -> Response {
        var headers: HTTPFields = [.eTag: etag, .cacheControl: cacheControl, .contentType: contentType]
        if status == .ok, let match = request.headers[.ifNoneMatch], Self.matches(match, etag: etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentLength] = String(body.readableBytes)
        return Response(status: status, headers: headers, body: .init(byteBuffer: body))
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
    static let prometheus = "text/plain; version=0.0.4; charset=utf-8"
}
