import Foundation
import RumorCore
import RumorServer
import RumorStore
import RumorTestSupport
import Testing

@Suite("Crashes lose nothing acknowledged")
struct CrashTests {
    static let kills = 50

    @Test("serve is SIGKILLed 50 times while a reviewer publishes: every acknowledged change is there, nothing is half there, the log verifies after every restart")
    func killWhilePublishing() async throws {
        try await withTemporaryFolder { folder in
            let database = folder.appendingPathComponent("site.sqlite")
            let store = try SQLiteEntryStore(path: database.path, seed: try ShippedKnowledgeBase.entries())
            let fixture = try await ReviewFixture.prepare(store, drafts: Self.kills * 3, prefix: "crash")
            let (secret, csrf) = (fixture.secret, fixture.csrf)
            var pending = fixture.drafts
            let state = folder.appendingPathComponent("monitor.json").path
            var acknowledged: [Int64] = []
            var lastAnswers: [String] = []
            var generator = SystemRandomNumberGenerator()
            for kill in 0..<Self.kills {
                let server = try await RawHTTP.blocking {
                    try ServeProcess(database: database, arguments: ["--label-rate-limit", "0"], environment: ["RUMORCONTROL_MODEL_DIR": "/nonexistent"])
                }
                let port = server.port
                // The record as it stands after the previous kill must verify.
                let verify = try await RawHTTP.blocking { try Rumorctl.run(["log", "verify", "--url", "http://127.0.0.1:\(port)", "--state", state]) }
                #expect(verify.status == 0, "after kill \(kill): \(verify.stdout)\(verify.stderr)")
                // Approve the next drafts from several connections, and kill the server at a random moment.
                let batch = Array(pending.prefix(3))
                pending.removeFirst(min(3, pending.count))
                // Up to about twice an approval's time in a debug build, so some land before the kill and some are cut short.
                let delay = UInt32.random(in: 0...1_500_000, using: &generator)
                let answers = try await RawHTTP.blocking { () -> [(Int64, String)] in
                    let results = LockedBox(initial: [(Int64, String)]())
                    let threads = batch.map { id in
                        Thread {
                            let answer = (try? RawHTTP.post(port: port, path: "/api/v1/drafts/\(id)/approve",
                                                            headers: ["Cookie": "rc_session=\(secret)", "X-CSRF-Token": csrf])) ?? "no answer"
                            results.withLock { $0.append((id, String(answer.prefix(400)))) }
                        }
                    }
                    threads.forEach { $0.start() }
                    usleep(delay)
                    server.stop(signal: SIGKILL)
                    while results.withLock({ $0.count }) < batch.count { usleep(5_000) }
                    return results.withLock { $0 }
                }
                acknowledged += answers.filter { $0.1.hasPrefix("HTTP/1.1 200") }.map(\.0)
                lastAnswers = answers.map(\.1)
                // Drafts whose approval was not acknowledged may or may not have landed; they are not retried.
            }
            // Every acknowledged approval is published, with its leaf; the final state verifies.
            let reopened = try SQLiteEntryStore(path: database.path)
            for id in acknowledged {
                let draft = try #require(try await reopened.draft(id: id))
                #expect(draft.state == .approved, "draft \(id) was acknowledged but is \(draft.state)")
                #expect(try await reopened.entry(slug: draft.slug)?.status == .published, "draft \(id)'s entry is missing")
            }
            let (leaves, versions) = try await reopened.readLog { log in (log.size, try log.leaves(0..<log.size).count) }
            let recorded = try await reopened.entries(status: nil).count
            #expect(leaves == versions)
            #expect(recorded >= (try Fixtures.shippedSlugs().count) + acknowledged.count)
            #expect(!acknowledged.isEmpty, "no approval was acknowledged before a kill; the test proved nothing; last answers: \(lastAnswers)")
            let final = try await RawHTTP.blocking { try ServeProcess(database: database, environment: ["RUMORCONTROL_MODEL_DIR": "/nonexistent"]) }
            let port = final.port
            let verify = try await RawHTTP.blocking { try Rumorctl.run(["log", "verify", "--url", "http://127.0.0.1:\(port)", "--state", state]) }
            #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
            final.stop(signal: SIGTERM)
        }
    }

    @Test("label --input killed mid-stream leaves only whole lines")
    func killBatchLabel() async throws {
        try await withTemporaryFolder { folder in
            let input = folder.appendingPathComponent("posts.jsonl")
            let post = #"{"id": 1, "text": "Dead people voted in Michigan and the machines flipped votes"}"#
            try Data(String(repeating: post + "\n", count: 5000).utf8).write(to: input)
            for round in 0..<5 {
                let output = folder.appendingPathComponent("labels-\(round).jsonl")
                FileManager.default.createFile(atPath: output.path, contents: nil)
                let process = Process()
                process.executableURL = Rumorctl.executable
                process.arguments = ["label", "--input", input.path, "--database", folder.appendingPathComponent("db.sqlite").path]
                process.standardOutput = try FileHandle(forWritingTo: output)
                process.standardError = FileHandle.nullDevice
                try process.run()
                try await Task.sleep(for: .milliseconds(1500 + 700 * round))
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                let text = try String(contentsOf: output, encoding: .utf8)
                #expect(text.isEmpty || text.hasSuffix("\n"), "round \(round): a partial last line")
                for line in text.split(separator: "\n") {
                    #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "round \(round): \(line.prefix(80))")
                }
            }
        }
    }
}

/// A value behind a lock, for results gathered from threads.
final class LockedBox<Value>: @unchecked Sendable {
    // Guarded by `lock`.
    private var value: Value
    private let lock = NSLock()
    init(initial: Value) { value = initial }
    func withLock<T>(_ body: (inout Value) -> T) -> T { lock.withLock { body(&value) } }
}

@Suite("Fuzz inputs")
struct FuzzInputTests {
    @Test("the fuzz seeds and every kept regression input pass through their parsers without a crash", arguments: ["entry-file", "json", "note", "tile", "text"])
    func replay(_ target: String) throws {
        let fuzz = Rumorctl.executable.deletingLastPathComponent().appendingPathComponent("rumorfuzz")
        let folders = ["Tests/Fuzz/corpus/\(target)", "Tests/Fuzz/regressions/\(target)"].map { Fixtures.repositoryRoot.appendingPathComponent($0).path }
        let result = try Subprocess.run(fuzz, [target] + folders)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("none crashed"))
    }
}
