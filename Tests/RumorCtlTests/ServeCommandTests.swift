import Foundation
import RumorTestSupport
import Testing

@Suite("rumorctl serve")
struct ServeCommandTests {
    @Test("serve logs its URL, answers over HTTP, and stops cleanly with status 0 on SIGTERM and SIGINT")
    func startAndStop() async throws {
        for signal in [SIGTERM, SIGINT] {
            try await withTemporaryFolder { folder in
                let server = try await RawHTTP.blocking { try ServeProcess(database: folder.appendingPathComponent("site.sqlite")) }
                let port = server.port
                let health = try await RawHTTP.blocking { try RawHTTP.get(port: port, path: "/healthz") }
                #expect(health.hasPrefix("HTTP/1.1 200"))
                #expect(health.contains("\"entries\":19"))
                let page = try await RawHTTP.blocking { try RawHTTP.get(port: port, path: "/rumors/election-stolen") }
                #expect(page.contains("<h1>The election was stolen</h1>"))
                let stopped = try await RawHTTP.blocking { server.stop(signal: signal) }
                #expect(stopped, "serve did not stop within 20 s of signal \(signal)")
                #expect(server.process.terminationReason == .exit)
                #expect(server.process.terminationStatus == 0)
            }
        }
    }
}
