import Foundation
import RumorCore
import RumorLedger
import RumorStore
import RumorTestSupport
import Testing

@Suite("rumorctl witness, and serve asking witnesses")
struct WitnessCommandTests {
    static let origin = "rumors.test/log"

    /// A `rumorctl witness serve` process on a free port, with its database and key in `folder`.
    static func witness(_ number: Int, folder: URL, port: Int = 0) throws -> (process: ServeProcess, vkey: String) {
        let process = try ServeProcess(
            rumorctl: [
                "witness", "serve", "--name", "witness.test/w\(number)", "--port", String(port),
                "--database", folder.appendingPathComponent("w\(number).sqlite").path, "--key", folder.appendingPathComponent("w\(number).key").path,
            ],
            listening: "its key: ", addressLine: "is serving http://")
        let line = try #require(process.log.split(separator: "\n").first { $0.contains("its key: ") })
        return (process, String(line[line.range(of: "its key: ")!.upperBound...]))
    }

    /// The checkpoint the site serves, and the witnesses whose cosignatures on it are valid.
    static func checkpoint(_ port: Int, witnesses: [String]) async throws -> (size: Int, cosigned: [String]) {
        let response = try await RawHTTP.blocking { try RawHTTP.get(port: port, path: "/log/checkpoint") }
        guard response.hasPrefix("HTTP/1.1 200"), let body = response.range(of: "\r\n\r\n").map({ String(response[$0.upperBound...]) }),
            let note = try? Note(parsing: body), let checkpoint = try? Checkpoint(text: note.text)
        else { return (-1, []) }
        return (checkpoint.size, note.cosignatures(by: try witnesses.map { try CosignatureVerifier(vkey: $0) }).map(\.witness.name).sorted())
    }

    /// Waits until the served checkpoint is larger than `size` and cosigned by exactly `names`.
    static func waitFor(_ port: Int, witnesses: [String], largerThan size: Int, cosignedBy names: [String]) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(60)
        var last = (size: -1, cosigned: [String]())
        while ContinuousClock.now < deadline {
            last = try await checkpoint(port, witnesses: witnesses)
            if last.size > size, last.cosigned == names { return last.size }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the checkpoint never grew past \(size) cosigned by \(names); last seen: \(last)")
        return last.size
    }

    /// Publishes a new version of an entry by importing it into the site's database.
    static func publish(_ number: Int, database: URL, folder: URL) throws {
        var entry = try Fixtures.entry("trump-won")
        entry.version += number
        entry.details += " Update \(number)."
        let file = folder.appendingPathComponent("update-\(number).json")
        try entry.fileJSON().write(to: file)
        let result = try Rumorctl.run(["import", file.path], database: database)
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test("three witnesses, quorum 2: all cosign; one down, the log is still cosigned by two; two down, verify fails and the site serves; a restarted witness picks up")
    func threeWitnesses() async throws {
        try await withTemporaryFolder { folder in
            let log = try NoteSigner.generate(name: Self.origin)
            let keyFile = folder.appendingPathComponent("log.key")
            #expect(FileManager.default.createFile(atPath: keyFile.path, contents: Data((log.skey + "\n").utf8), attributes: [.posixPermissions: 0o600]))
            var witnesses = try (1...3).map { try Self.witness($0, folder: folder) }
            defer { for witness in witnesses { witness.process.stop(signal: SIGTERM) } }
            let keys = witnesses.map(\.vkey)
            for number in 1...3 {
                let added = try Rumorctl.run(
                    ["witness", "add-log", Self.origin, log.verifier.vkey, "--database", folder.appendingPathComponent("w\(number).sqlite").path])
                #expect(added.status == 0 && added.stdout.contains("witnessing \(Self.origin)"), "\(added.stderr)")
            }
            let database = folder.appendingPathComponent("site.sqlite")
            let arguments = ["--log-key", keyFile.path, "--log-origin", Self.origin, "--witness-quorum", "2", "--no-cross-lingual"]
                + witnesses.flatMap { ["--witness", "\($0.vkey)+http://127.0.0.1:\($0.process.port)"] }
            let server = try await RawHTTP.blocking { try ServeProcess(database: database, arguments: arguments) }
            defer { server.stop(signal: SIGTERM) }
            let port = server.port
            let url = "http://127.0.0.1:\(port)"
            func verify(quorum: Int) throws -> CommandResult {
                try Rumorctl.run(["log", "verify", "--url", url, "--log-only", "--quorum", String(quorum)] + keys.flatMap { ["--witness", $0] })
            }

            let all = ["witness.test/w1", "witness.test/w2", "witness.test/w3"]
            var size = try await Self.waitFor(port, witnesses: keys, largerThan: 0, cosignedBy: all)
            let full = try verify(quorum: 3)
            #expect(full.status == 0, "\(full.stdout)\(full.stderr)")
            #expect(full.stderr.contains("cosigned by 3 of 3"), "\(full.stderr)")
            // A receipt carries the cosignatures too, so one entry's receipt can be checked offline.
            let receipt = try await RawHTTP.blocking { try RawHTTP.get(port: port, path: "/rumors/trump-won/versions/1/receipt") }
            #expect(receipt.components(separatedBy: "— witness.test/").count == 4, "\(receipt)")
            let record = try await RawHTTP.blocking { try RawHTTP.get(port: port, path: "/rumors/trump-won/versions/1/record") }
            let receiptFile = folder.appendingPathComponent("receipt.txt")
            let recordFile = folder.appendingPathComponent("record.json")
            try Data(String(receipt[receipt.range(of: "\r\n\r\n")!.upperBound...]).utf8).write(to: receiptFile)
            try Data(String(record[record.range(of: "\r\n\r\n")!.upperBound...]).utf8).write(to: recordFile)
            func checkReceipt(_ witnessKeys: [String], quorum: Int) throws -> CommandResult {
                try Rumorctl.run(
                    ["log", "receipt", "--receipt", receiptFile.path, "--record", recordFile.path, "--key", log.verifier.vkey, "--quorum", String(quorum)]
                        + witnessKeys.flatMap { ["--witness", $0] })
            }
            let offline = try checkReceipt(keys, quorum: 3)
            #expect(offline.status == 0 && offline.stdout.contains("cosigned by witness.test/w1, witness.test/w2, witness.test/w3"), "\(offline.stdout)")
            let stranger = try CosignatureSigner.generate(name: "witness.test/w9").verifier.vkey
            let unwitnessed = try checkReceipt([stranger], quorum: 1)
            #expect(unwitnessed.status == 1 && unwitnessed.stdout.contains("witness.test/w9"), "\(unwitnessed.stdout)")

            // One witness down: the next checkpoint is cosigned by the other two, and a quorum of 2 holds.
            witnesses[2].process.stop(signal: SIGTERM)
            try Self.publish(1, database: database, folder: folder)
            size = try await Self.waitFor(port, witnesses: keys, largerThan: size, cosignedBy: Array(all.prefix(2)))
            #expect(try verify(quorum: 2).status == 0)
            let three = try verify(quorum: 3)
            #expect(three.status == 1 && three.stdout.contains("witness.test/w3"), "\(three.stdout)")

            // Two down: the site still serves its checkpoint, and a reader asking for 2 cosignatures refuses it.
            witnesses[1].process.stop(signal: SIGTERM)
            try Self.publish(2, database: database, folder: folder)
            size = try await Self.waitFor(port, witnesses: keys, largerThan: size, cosignedBy: ["witness.test/w1"])
            let refused = try verify(quorum: 2)
            #expect(refused.status == 1, "\(refused.stdout)")
            #expect(refused.stdout.contains("needs valid cosignatures from 2") && refused.stdout.contains("witness.test/w2"), "\(refused.stdout)")
            #expect(try await RawHTTP.blocking { try RawHTTP.get(port: port, path: "/rumors/trump-won") }.hasPrefix("HTTP/1.1 200"))
            let page = try await RawHTTP.blocking { try RawHTTP.get(port: port, path: "/log") }
            #expect(page.contains("witness.test/w2") && page.contains("last request failed"), "the /log page says which witness failed")
            #expect(page.contains("--quorum 2</code>"), "the page's command asks for the site's quorum")

            // The second witness comes back on its database, key and port: it kept the size it cosigned, takes the
            // consistency proof from there, and the quorum holds again.
            let listed = try Rumorctl.run(["witness", "list", "--database", folder.appendingPathComponent("w2.sqlite").path])
            #expect(listed.stdout.hasPrefix("\(Self.origin)\t"), "\(listed.stdout)")
            let restarted = try Self.witness(2, folder: folder, port: witnesses[1].process.port)
            #expect(restarted.vkey == keys[1], "the restarted witness keeps its key")
            witnesses[1] = restarted
            _ = try await Self.waitFor(port, witnesses: keys, largerThan: size - 1, cosignedBy: Array(all.prefix(2)))
            #expect(try verify(quorum: 2).status == 0)

            // /readyz and /metrics say where each witness stands.
            let deadline = ContinuousClock.now + .seconds(300)
            var ready = ""
            while !ready.hasPrefix("HTTP/1.1 200"), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
                ready = try await RawHTTP.blocking { try RawHTTP.get(port: port, path: "/readyz") }
            }
            #expect(ready.contains("\"witness_quorum\":2") && ready.contains("\"witnessed\":true"), "\(ready)")
            #expect(ready.contains("{\"name\":\"witness.test/w3\",\"cosigned_size\":"), "\(ready)")
            #expect(ready.contains("\"error\":\"no answer from"), "the witness that is down is reported: \(ready)")
            let metrics = try await RawHTTP.blocking { try RawHTTP.get(port: port, path: "/metrics") }
            #expect(metrics.contains("rumorcontrol_witness_requests_total{witness=\"witness.test/w3\",outcome=\"failed\"}"), "\(metrics.prefix(3000))")
        }
    }
}
