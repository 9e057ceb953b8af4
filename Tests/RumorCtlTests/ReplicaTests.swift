import Foundation
import RumorCore
import RumorLedger
import RumorStore
import RumorTestSupport
import Testing

/// Two `rumorctl serve` processes on one PostgreSQL database: one log, however the publishes are spread.
///
/// `scripts/test.sh` runs this suite on its own after the others, so the one-second label check is not measuring
/// a machine busy with the rest of the suite.
@Suite("Replicas on one PostgreSQL database", .enabled(if: StoreBackend.available.contains(.postgres)), .serialized)
struct ReplicaTests {
    static let publishes = 200
    static let clients = 8

    @Test("a new entry published through one replica is labelled by the other within a second; hundreds of concurrent publishes through both make one log that verifies through either")
    func concurrentPublishes() async throws {
        try await withReplicas(drafts: Self.publishes) { url, fixture, replicas, folder in
            // A new rumor published through the first replica is labelled by the second within a second.
            let newRumor = try Self.newRumor
            let post = newRumor.rumor
            let before = try await RawHTTP.blocking { try Self.label(post, port: replicas[1].port) }
            #expect(!before.contains(newRumor.slug), "labelled before it was published")
            let store = try await PostgresSiteStore(url: url)
            let draft = try await store.createDraft(.publish(newRumor), author: "ana")
            try await store.setDraftState(id: draft.id, .inReview)
            let approved = try await RawHTTP.blocking {
                try RawHTTP.post(port: replicas[0].port, path: "/api/v1/drafts/\(draft.id)/approve", headers: fixture.headers)
            }
            #expect(approved.hasPrefix("HTTP/1.1 200"), "\(approved.prefix(400))")
            let start = ContinuousClock.now
            var labelled = false
            while !labelled && ContinuousClock.now - start < .seconds(15) {
                labelled = try await RawHTTP.blocking { try Self.label(post, port: replicas[1].port) }.contains("\"slug\":\"\(newRumor.slug)\"")
                if !labelled { try await Task.sleep(for: .milliseconds(20)) }
            }
            let delay = ContinuousClock.now - start
            #expect(labelled, "the second replica never labelled the new entry")
            #expect(delay < .seconds(1), "the second replica labelled the new entry after \(delay)")

            // Publish from several clients at once, each request going to one replica or the other.
            let answers = try await RawHTTP.blocking {
                Self.approveConcurrently(fixture.drafts, ports: replicas.map(\.port), headers: fixture.headers)
            }
            let refused = answers.filter { !$0.value.hasPrefix("HTTP/1.1 200") }
            #expect(refused.isEmpty, "\(refused.count) publishes failed, e.g. \(refused.first?.value.prefix(400) ?? "")")

            // One log: every publish exactly once, and it verifies through each replica.
            let records = try await store.logLeaves(0..<Int.max).map { try LogRecord(canonicalJSON: $0) }
            let published = records.filter { $0.slug.hasPrefix("published-") }.map(\.slug)
            #expect(published.count == Self.publishes && Set(published).count == Self.publishes)
            #expect(records.filter { $0.slug == newRumor.slug }.count == 1)
            for (index, replica) in replicas.enumerated() {
                let state = folder.appendingPathComponent("monitor-\(index).json").path
                let verify = try await RawHTTP.blocking { try Rumorctl.run(["log", "verify", "--url", "http://127.0.0.1:\(replica.port)", "--state", state]) }
                #expect(verify.status == 0, "replica \(index): \(verify.stdout)\(verify.stderr)")
                #expect(verify.stdout.contains("\(records.count)"), "\(verify.stdout)")
            }
        }
    }

    @Test("a replica SIGKILLed mid-publish loses no acknowledged publish; the log verifies through the other and after a restart")
    func killOneReplica() async throws {
        try await withReplicas(drafts: 60) { url, fixture, replicas, folder in
            let ports = replicas.map(\.port)
            let answers = try await RawHTTP.blocking { () -> [Int64: String] in
                let killer = Thread {
                    usleep(1_500_000)
                    replicas[0].stop(signal: SIGKILL)
                }
                killer.start()
                return Self.approveConcurrently(fixture.drafts, ports: ports, headers: fixture.headers)
            }
            let acknowledged = answers.filter { $0.value.hasPrefix("HTTP/1.1 200") }.map(\.key)
            #expect(!acknowledged.isEmpty && acknowledged.count < fixture.drafts.count, "the kill did not land mid-publish: \(acknowledged.count) of \(fixture.drafts.count)")
            let store = try await PostgresSiteStore(url: url)
            let logged = try await store.logLeaves(0..<Int.max).map { try LogRecord(canonicalJSON: $0).slug }
            #expect(Set(logged).count == logged.count, "a version was logged twice")
            for id in acknowledged {
                let draft = try #require(try await store.draft(id: id))
                #expect(draft.state == .approved && logged.contains(draft.slug), "draft \(id) was acknowledged but is not published and logged")
            }
            let verify = try await RawHTTP.blocking {
                try Rumorctl.run(["log", "verify", "--url", "http://127.0.0.1:\(ports[1])", "--state", folder.appendingPathComponent("survivor.json").path])
            }
            #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
            let restarted = try await RawHTTP.blocking { try Self.replica(url, folder: folder) }
            defer { restarted.stop(signal: SIGTERM) }
            let again = try await RawHTTP.blocking {
                try Rumorctl.run(["log", "verify", "--url", "http://127.0.0.1:\(restarted.port)", "--state", folder.appendingPathComponent("survivor.json").path])
            }
            #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        }
    }

    /// An entry that none of the shipped ones covers.
    static var newRumor: Entry {
        get throws {
            var entry = try Fixtures.entry("trump-won")
            entry.slug = "bamboo-fibres-in-ballots"
            entry.title = "Bamboo fibres in Arizona ballots"
            entry.rumor = "Ballots in Maricopa County contain bamboo fibres, which proves they were printed in Asia and flown in."
            entry.phrasings = [
                "The auditors found bamboo in the ballot paper, so the ballots were shipped from China.",
                "Bamboo fibres in the Maricopa ballots prove they were flown in from Asia.",
                "The Arizona ballots were printed on bamboo paper overseas.",
            ]
            entry.keywords = ["bamboo", "ballot paper", "Maricopa"]
            return entry
        }
    }

    /// Starts two replicas sharing the database at a fresh PostgreSQL URL and one signing key, with `drafts` drafts in review.
    private func withReplicas(
        drafts: Int, _ body: (String, ReviewFixture, [ServeProcess], URL) async throws -> Void
    ) async throws {
        try await withTemporaryFolder { folder in
            try await StoreBackend.postgres.withFreshDatabase { url in
                let fixture = try await ReviewFixture.prepare(try await PostgresSiteStore(url: url, seed: try ShippedKnowledgeBase.entries()), drafts: drafts)
                // The first start makes the key; the second replica starts once the first listens, and shares it.
                let first = try await RawHTTP.blocking { try Self.replica(url, folder: folder) }
                let second = try await RawHTTP.blocking { try Self.replica(url, folder: folder) }
                defer {
                    first.stop(signal: SIGTERM)
                    second.stop(signal: SIGTERM)
                }
                for replica in [first, second] { try await Self.waitReady(replica.port) }
                try await body(url, fixture, [first, second], folder)
            }
        }
    }

    static func replica(_ url: String, folder: URL) throws -> ServeProcess {
        // Replicas share the public address (the proxy's), so they name the log alike and sign with one key.
        try ServeProcess(
            databaseLocation: url,
            arguments: ["--log-key", folder.appendingPathComponent("log.key").path, "--site-url", "https://rumors.test", "--label-rate-limit", "0"])
    }

    static func waitReady(_ port: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(300)
        while ContinuousClock.now < deadline {
            if try await RawHTTP.blocking({ try RawHTTP.get(port: port, path: "/readyz") }).hasPrefix("HTTP/1.1 200") { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("the replica on port \(port) never became ready")
    }

    /// Approves every draft from `clients` threads, alternating replicas; returns each draft's answer (or the failure).
    static func approveConcurrently(_ drafts: [Int64], ports: [Int], headers: [String: String]) -> [Int64: String] {
        let answers = LockedBox(initial: [Int64: String]())
        let threads = (0..<clients).map { client in
            Thread {
                for (position, id) in drafts.enumerated() where position % clients == client {
                    let port = ports[position % ports.count]
                    let answer = (try? RawHTTP.post(port: port, path: "/api/v1/drafts/\(id)/approve", headers: headers)) ?? "no answer"
                    answers.withLock { $0[id] = String(answer.prefix(600)) }
                }
            }
        }
        threads.forEach { $0.start() }
        while answers.withLock({ $0.count }) < drafts.count { usleep(10_000) }
        return answers.withLock { $0 }
    }

    static func label(_ text: String, port: Int) throws -> String {
        let body = JSONValue.members([("text", .string(text))]).serialized(pretty: false)
        return try RawHTTP.post(port: port, path: "/api/v1/label", headers: ["Content-Type": "application/json"], body: body)
    }
}
