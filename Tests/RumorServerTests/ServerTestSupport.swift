import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOPosix
import RumorCore
import RumorMatch
import RumorServer
import RumorStore
import RumorTestSupport
import Testing

/// The public address the test servers claim, so links are predictable.
let testSiteURL = "http://rumors.test"

/// The matcher over the shipped knowledge base, loaded once for all server tests.
let sharedLoadedMatcher = Result { () throws -> LoadedMatcher in
    let embedder = try SentenceEmbedder()
    let matcher = RumorMatcher(
        entries: try ShippedKnowledgeBase.entries(), embedder: embedder, configuration: .init(model: try MatcherModel.shipped(), siteURL: testSiteURL))
    return LoadedMatcher(matcher: matcher, embedder: embedder)
}

/// The seed story's post: the president's post of November 2020 that the network labelled as disputed.
func seedPost() throws -> String {
    try #require(Fixtures.jsonLines(Fixtures.devPosts).first { $0["id"] as? String == "d-seed" }?["text"] as? String)
}

/// Runs `body` against a live server (a real socket on a free port) on a fresh database of `backend` seeded with the
/// shipped knowledge base, once the matcher is ready (or at once when `waitForMatcher` is false).
func withLiveServer(
    configuration: ServerConfiguration = ServerConfiguration(),
    backend: StoreBackend = .sqlite,
    waitForMatcher: Bool = true,
    prepare: @escaping @Sendable (any SiteStore) async throws -> Void = { _ in },
    loadMatcher: @escaping @Sendable () async throws -> LoadedMatcher = {
        // The first caller builds it for seconds; the others wait. Neither may block the threads that run tasks.
        try await NIOThreadPool.singleton.runIfActive { try sharedLoadedMatcher.get() }
    },
    _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
) async throws {
    try await withTemporaryFolder { folder in try await backend.withFreshDatabase { location in
        var configuration = configuration
        configuration.publicURL = configuration.publicURL ?? testSiteURL
        configuration.logKeyPath = configuration.logKeyPath ?? folder.appendingPathComponent("log.key").path
        let store = try await backend.open(location, seed: try ShippedKnowledgeBase.entries())
        try await prepare(store)
        var logger = Logger(label: "rumorcontrol-test")
        logger.logLevel = .warning
        let application = try await buildApplication(configuration: configuration, store: store, logger: logger, loadMatcher: loadMatcher)
        try await application.test(.live) { client in
            if waitForMatcher {
                // Generous: every server of a parallel test run waits for the one shared matcher, built in seconds.
                let deadline = ContinuousClock.now + .seconds(300)
                var ready = false
                while !ready && ContinuousClock.now < deadline {
                    ready = try await client.execute(uri: "/readyz", method: .get).status == .ok
                    if !ready { try await Task.sleep(for: .milliseconds(100)) }
                }
                try #require(ready, "the matcher did not become ready")
            }
            try await body(client)
        }
    } }
}

extension TestResponse {
    /// The body as text.
    var text: String { String(buffer: body) }

    /// The body parsed as a JSON object.
    func jsonObject() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any])
    }
}

extension TestClientProtocol {
    /// POSTs a body.
    func post(_ uri: String, _ body: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    /// POSTs raw bytes.
    func post(_ uri: String, bytes: [UInt8], headers: HTTPFields = [:]) async throws -> TestResponse {
        try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(bytes: bytes))
    }

    /// GETs a path.
    func get(_ uri: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await execute(uri: uri, method: .get, headers: headers)
    }
}

/// Checks that a response is an RFC 9457 problem with this status, and returns its detail.
@discardableResult
func expectProblem(_ response: TestResponse, _ status: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    #expect(response.status == status, sourceLocation: sourceLocation)
    #expect(response.headers[.contentType] == "application/problem+json", sourceLocation: sourceLocation)
    let problem = try response.jsonObject()
    #expect(problem["status"] as? Int == Int(status.code), sourceLocation: sourceLocation)
    let detail = try #require(problem["detail"] as? String, sourceLocation: sourceLocation)
    #expect(!detail.isEmpty, sourceLocation: sourceLocation)
    return detail
}
