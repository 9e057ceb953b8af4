import HTTPTypes
import Hummingbird

/// The per-request context of the RumorControl server.
public struct SiteRequestContext: RequestContext {
    /// Hummingbird's own per-request storage (logger, route, parameters).
    public var coreContext: CoreRequestContextStorage

    /// Creates the context for a new request.
    public init(source: Source) {
        coreContext = .init(source: source)
    }
}
