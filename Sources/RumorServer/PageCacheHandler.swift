import Foundation
import HTTPTypes
import NIOCore
import NIOHTTPTypes
import Prometheus

/// Answers GET requests for pre-rendered pages straight from the connection's event loop, before a request reaches
/// the router.
///
/// Pages and documents of the ``SiteSnapshot`` are the same bytes for everyone until the knowledge base changes,
/// so there is nothing for a handler to compute: serving them here skips the hop to a Swift task and back, which
/// is most of the cost of a request. Everything else (other methods, query strings, unknown paths,
/// `Connection: close`, requests with credentials in `Authorization`) passes through untouched. NIO's pipelining handler, earlier in the pipeline, lets one
/// request through at a time, so answers stay in order.
final class PageCacheHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let site: SiteState
    private let metrics: ServerMetrics
    private let stylesheet: CachedResource
    /// The request being answered here, between its head and its end.
    private var pending: (request: HTTPRequest, resource: CachedResource, start: ContinuousClock.Instant)?
    private var date = HTTPDate()
    /// Metric series already looked up on this connection, by route and status.
    private var series: [String: (count: Counter, duration: DurationHistogram)] = [:]

    private let https: Bool

    init(site: SiteState, metrics: ServerMetrics, stylesheet: CachedResource, https: Bool) {
        self.https = https
        self.site = site
        self.metrics = metrics
        self.stylesheet = stylesheet
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch part {
        case .head(let request):
            if let resource = cachedResource(for: request) {
                pending = (request, resource, ContinuousClock.now)
                return
            }
        case .body:
            if pending != nil { return }
        case .end:
            if let (request, resource, start) = pending {
                pending = nil
                respond(context: context, request: request, resource: resource, start: start)
                return
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        context.write(data, promise: promise)
    }

    private func cachedResource(for request: HTTPRequest) -> CachedResource? {
        guard request.method == .get, let target = request.path, request.headerFields[.connection]?.lowercased() != "close",
            request.headerFields[.authorization] == nil
        else { return nil }
        if let query = target.firstIndex(of: "?") {
            // Only the stylesheet is linked with a query (its version).
            return target[..<query] == SitePath.stylesheet ? stylesheet : nil
        }
        return site.current.resources[target]
    }

    private func respond(context: ChannelHandlerContext, request: HTTPRequest, resource: CachedResource, start: ContinuousClock.Instant) {
        let answer = resource.answer(ifNoneMatch: request.headerFields[.ifNoneMatch])
        var head = HTTPResponse(status: answer.status, headerFields: answer.headers)
        head.headerFields[.server] = "RumorControl"
        head.headerFields[.date] = date.now()
        SecurityHeaders.add(to: &head.headerFields, https: https)
        let notModified = answer.body == nil
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body = answer.body { context.write(wrapOutboundOut(.body(body)), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        let key = notModified ? resource.route + " 304" : resource.route
        let recorded = series[key] ?? metrics.requestSeries(route: resource.route, method: "GET", status: head.status.code)
        series[key] = recorded
        recorded.count.increment()
        recorded.duration.record(ContinuousClock.now - start)
    }
}

/// The `Date` header's value (RFC 9110 IMF-fixdate), formatted at most once a second.
struct HTTPDate {
    private var second = 0
    private var text = ""

    mutating func now() -> String {
        let current = Int(Date().timeIntervalSince1970)
        if current != second {
            second = current
            text = Self.format(Date(timeIntervalSince1970: TimeInterval(current)))
        }
        return text
    }

    static func format(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}
