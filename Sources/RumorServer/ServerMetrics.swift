import HTTPTypes
import Hummingbird
import Prometheus
import RumorCore
import RumorMatch

/// The server's Prometheus metrics: requests and latency per route, posts by matcher stage, and labels applied per
/// entry.
///
/// Each application owns its registry (no global metrics system), so several servers in one process (the tests)
/// keep separate counts.
public final class ServerMetrics: Sendable {
    /// The registry `/metrics` exposes.
    public let registry = PrometheusCollectorRegistry()
    private static let latencyBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .seconds(2.5), .seconds(10),
    ]

    /// Creates an empty registry.
    public init() {}

    /// Counts one answered request and its latency.
    func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        let series = requestSeries(route: route, method: method, status: status)
        series.count.increment()
        series.duration.record(duration)
    }

    /// The counter and histogram of one route, method and status; a hot path may keep them to skip the lookup.
    func requestSeries(route: String, method: String, status: Int) -> (count: Counter, duration: DurationHistogram) {
        let count = registry.makeCounter(
            descriptor: .init(namespace: "rumorcontrol", metricName: "http_requests", unitName: "total", helpText: "HTTP requests answered, by route, method and status."),
            labels: [("route", route), ("method", method), ("status", String(status))])
        let duration = registry.makeDurationHistogram(
            descriptor: .init(namespace: "rumorcontrol", metricName: "http_request_duration", unitName: "seconds", helpText: "Time to answer a request's head, by route."),
            labels: [("route", route)], buckets: Self.latencyBuckets)
        return (count, duration)
    }

    /// Counts the posts the matcher decided, by the stage that decided each, and the labels and review items it
    /// produced.
    func recordMatches(_ decided: [(result: MatchResult, stage: RumorMatcher.Stage)]) {
        for (result, stage) in decided {
            registry.makeCounter(
                descriptor: .init(
                    namespace: "rumorcontrol", metricName: "matcher_posts", unitName: "total",
                    helpText: "Posts the matcher decided, by the stage that decided them (gate, quick or encoder)."),
                labels: [("stage", stage.rawValue)]
            ).increment()
            for label in result.labels + result.review {
                registry.makeCounter(
                    descriptor: .init(namespace: "rumorcontrol", metricName: "labels", unitName: "total", helpText: "Matches produced, by entry and decision (label or review)."),
                    labels: [("slug", label.slug), ("decision", label.decision.rawValue)]
                ).increment()
            }
        }
    }

    /// Sets the moderation queue's gauges from the store's counts (read at each scrape, so every replica reports the
    /// shared queue).
    func recordQueue(_ counts: QueueCounts) {
        registry.makeGauge(descriptor: .init(namespace: "rumorcontrol", metricName: "queue_depth", helpText: "Queued posts waiting for a moderator's decision."))
            .set(Double(counts.undecided))
        registry.makeGauge(descriptor: .init(namespace: "rumorcontrol", metricName: "queue_unmatched_posts", helpText: "Election posts kept that matched no entry (the emerging-rumors view)."))
            .set(Double(counts.unmatched))
        for outcome in ModerationDecision.Outcome.allCases {
            registry.makeGauge(
                descriptor: .init(namespace: "rumorcontrol", metricName: "queue_decisions", helpText: "Moderators' decisions on queued posts, by outcome."),
                labels: [("outcome", outcome.rawValue)]
            ).set(Double(counts.decided[outcome, default: 0]))
        }
        registry.makeGauge(
            descriptor: .init(namespace: "rumorcontrol", metricName: "queue_top_candidate_agreements",
                              helpText: "Decisions that the post asserts the matcher's top candidate (divide by the decisions for the agreement rate)."))
            .set(Double(counts.agreeing))
    }

    /// Counts one request to a witness, and its latency.
    func recordWitnessRequest(witness: String, succeeded: Bool, duration: Duration) {
        registry.makeCounter(
            descriptor: .init(
                namespace: "rumorcontrol", metricName: "witness_requests", unitName: "total",
                helpText: "Checkpoints sent to witnesses, by witness and outcome (cosigned or failed)."),
            labels: [("witness", witness), ("outcome", succeeded ? "cosigned" : "failed")]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: .init(
                namespace: "rumorcontrol", metricName: "witness_request_duration", unitName: "seconds",
                helpText: "Time from sending a checkpoint to a witness to its answer (retries included), by witness."),
            labels: [("witness", witness)], buckets: Self.latencyBuckets
        ).record(duration)
    }

    /// The exposition text.
    func exposition() -> String { registry.emitToString() }
}

/// Records every request in ``ServerMetrics``; outermost, so it sees the status the client got.
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = SiteRequestContext
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        // Unmatched paths share one label so scanners cannot blow up the number of series.
        let route = context.endpointPath ?? "unmatched"
        metrics.recordRequest(route: route, method: request.method.rawValue, status: response.status.code, duration: ContinuousClock.now - start)
        return response
    }
}
