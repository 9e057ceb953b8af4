import Foundation
import RumorTestSupport
import Testing

@Suite("rumorctl serve")
struct ServeCommandTests {
    @Test("serve logs its URL, answers over HTTP, and stops cleanly with status 0 on SIGTERM and SIGINT")
    func startAndStop() async throws {
        for signal in [SIGTERM, SIGINT] {
            try await withTemporaryFolder { folder in
                let process = Process()
                process.executableURL = Rumorctl.executable
                process.arguments = ["serve", "--port", "0", "--database", folder.appendingPathComponent("site.sqlite").path]
                process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("RUMORCONTROL_") }
                let errors = Pipe()
                process.standardError = errors
                process.standardOutput = FileHandle.nullDevice
                try process.run()
                defer { if process.isRunning { process.terminate() } }

                var log = ""
                while !log.contains("/ (") {
                    let data = errors.fileHandleForReading.availableData
                    try #require(!data.isEmpty, "serve exited before it listened: \(log)")
                    log += String(decoding: data, as: UTF8.self)
                }
                let line = try #require(log.split(separator: "\n").first { $0.contains("RumorControl is serving http://127.0.0.1:") })
                let port = try #require(Int(line.split(separator: ":")[2].prefix { $0.isNumber }))

                let health = try await RawHTTP.blocking { try RawHTTP.get(port: port, path: "/healthz") }
                #expect(health.hasPrefix("HTTP/1.1 200"))
                #expect(health.contains("\"entries\":19"))
                let page = try await RawHTTP.blocking { try RawHTTP.get(port: port, path: "/rumors/election-stolen") }
                #expect(page.contains("<h1>The election was stolen</h1>"))

                kill(process.processIdentifier, signal)
                let deadline = Date().addingTimeInterval(20)
                while process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
                #expect(!process.isRunning, "serve did not stop within 20 s of signal \(signal)")
                #expect(process.terminationReason == .exit)
                #expect(process.terminationStatus == 0)
            }
        }
    }
}
