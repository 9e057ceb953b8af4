import Foundation
import RumorCore
import RumorLedger
import RumorMonitor
import Testing

@Suite("log verify against a fake site")
struct LogMonitorTests {
    // MARK: - Everything holds

    @Test("a site that matches its log verifies, trusting the key on first use")
    func allValid() async throws {
        let site = try FakeSite.shipped()

        let report = await LogMonitor(source: try site.source()).verify(state: nil)

        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.isOK)
        let checkpoint = try #require(report.checkpoint)
        #expect(checkpoint.size == site.records.count)
        #expect(report.latestLeaves.count == site.entries.count)
        #expect(report.checkedEntries == site.entries.count)
        #expect(report.summary == "log verify: ok: \(site.records.count) leaves, \(site.entries.count) entries, checkpoint \(site.records.count) \(checkpoint.root.base64)")
        #expect(report.notes.contains { $0.contains("trusting the log's key on first use") && $0.contains(site.signer.verifier.vkey) })
        #expect(report.newState?.vkey == site.signer.verifier.vkey)
        #expect(report.newState?.origin == FakeSite.origin)
    }

    @Test("the latest leaf of an updated entry is its update, and of a retracted one its retraction")
    func latestLeaves() async throws {
        let site = try FakeSite.shipped()

        let report = await LogMonitor(source: try site.source(), vkey: site.signer.verifier.vkey).verify(state: nil)

        #expect(report.notes.isEmpty)
        let updated = try #require(report.latestLeaves[site.entries[0].slug])
        #expect(updated.record.action == .update)
        #expect(updated.record.version == site.entries[0].version)
        #expect(report.latestLeaves[site.entries[2].slug]?.record.action == .retract)
        #expect(report.latestLeaves[site.entries[3].slug]?.leafIndex == 3)
    }

    @Test("a log that grew since the last run verifies against the saved state")
    func grew() async throws {
        let site = try FakeSite.shipped()
        let state = try site.state(count: 5)

        let report = await LogMonitor(source: try site.source()).verify(state: state)

        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.notes.isEmpty)
        let newState = try #require(report.newState)
        #expect(try Checkpoint(text: Note(parsing: newState.checkpoint).text).size == site.records.count)
    }

    // MARK: - The site disagrees with the log

    @Test("an entry whose text changed without a leaf is reported by slug, version and hash")
    func changedText() async throws {
        var site = try FakeSite.shipped()
        let slug = site.entries[5].slug
        site.entries[5].reality += " (edited quietly)"

        let report = await LogMonitor(source: try site.source()).verify(state: nil)

        let problem = try #require(report.problems.first)
        #expect(report.problems.count == 1, "\(report.problems)")
        #expect(problem.check == .entryHash)
        #expect(problem.slug == slug)
        #expect(problem.version == site.entries[5].version)
        let served = LogMonitor<MemoryLogSource>.sha256(site.entries[5])
        #expect(problem.message == "entry \(slug): served version \(site.entries[5].version) hashes to \(served), but the log's latest leaf (index 5, version \(site.entries[5].version)) records \(site.records[5].entrySHA256)")
        #expect(!report.isOK)
        #expect(report.newState == nil)
        #expect(report.summary.hasPrefix("log verify: FAILED: 1 problem ("))
    }

    @Test("a logged entry the site no longer serves is reported by slug")
    func missing() async throws {
        var site = try FakeSite.shipped()
        let gone = site.entries.remove(at: 7)

        let report = await LogMonitor(source: try site.source()).verify(state: nil)

        #expect(report.problems.map(\.message) == ["entry \(gone.slug): logged (latest leaf index 7, version \(gone.version)) but the site answers 404"])
        #expect(report.problems.first?.check == .entryMissing)
    }

    @Test("a retracted entry that vanished is reported too")
    func retractedVanished() async throws {
        var site = try FakeSite.shipped()
        let gone = site.entries.remove(at: 2)

        let report = await LogMonitor(source: try site.source()).verify(state: nil)

        #expect(report.problems.map(\.slug) == [gone.slug])
        #expect(report.problems.first?.check == .entryMissing)
    }

    @Test("a site serving an older version than the log's latest is reported")
    func olderVersion() async throws {
        var site = try FakeSite.shipped()
        let slug = site.entries[0].slug
        let earlier = try #require(site.earlier[slug])
        site.entries[0] = earlier

        let report = await LogMonitor(source: try site.source()).verify(state: nil)

        let problem = try #require(report.problems.first)
        #expect(report.problems.count == 1, "\(report.problems)")
        #expect(problem.check == .entryVersion)
        #expect(problem.slug == slug)
        #expect(problem.message.contains("served version \(earlier.version), but the log's latest leaf (index \(site.records.count - 3)) records version \(earlier.version + 1)"))
    }

    @Test("an entry served with no leaf at all is reported as published outside the log")
    func unlogged() async throws {
        var site = try FakeSite.shipped()
        var extra = site.entries[4]
        extra.slug = "ballots-found-in-river"
        site.entries.append(extra)

        let report = await LogMonitor(source: try site.source()).verify(state: nil)

        #expect(report.problems.map(\.check) == [.unloggedEntry])
        #expect(report.problems.first?.message == "entry ballots-found-in-river: served (version \(extra.version), published) but the log has no leaf for it: published outside the log")
    }

    @Test("an entry's document that disagrees with the list is reported")
    func listDisagrees() async throws {
        let site = try FakeSite.shipped()
        var source = try site.source()
        var edited = site.entries[6]
        edited.title += "!"
        source.files[SitePath.entry(edited.slug)] = Array(edited.jsonValue.serialized(pretty: true).utf8)

        let report = await LogMonitor(source: source).verify(state: nil)

        #expect(Set(report.problems.map(\.check)) == [.entryHash, .entryList])
        #expect(report.problems.allSatisfy { $0.slug == edited.slug })
    }

    // MARK: - The log itself

    @Test("a log truncated since the last run is reported as rewritten")
    func truncated() async throws {
        let site = try FakeSite.shipped()
        let state = try site.state()

        let report = await LogMonitor(source: try site.source(logCount: 10)).verify(state: state)

        #expect(report.problems.map(\.check).contains(.consistency))
        #expect(
            report.problems.map(\.message).contains(
                "log: checkpoint size 10 is smaller than the last seen size \(site.records.count): the log was rewritten"))
        #expect(report.newState == nil)
    }

    @Test("an emptied log is reported as rewritten")
    func emptied() async throws {
        let site = try FakeSite.shipped()
        let state = try site.state()

        let report = await LogMonitor(source: try site.source(logCount: 0)).verify(state: state)

        #expect(report.problems.first?.message == "log: checkpoint size 0 is smaller than the last seen size \(site.records.count): the log was rewritten")
    }

    @Test("a log whose history was rewritten, at the same size or grown, is reported as inconsistent")
    func rewritten() async throws {
        var site = try FakeSite.shipped()
        let state = try site.state(count: 10)
        let original = site.records[4]
        site.records[4] = try LogRecord(
            slug: original.slug, version: original.version, action: original.action, entrySHA256: original.entrySHA256, author: "mallory",
            reviewer: original.reviewer, time: original.time)

        let sameSize = await LogMonitor(source: try site.source(logCount: 10)).verify(state: state)
        let grown = await LogMonitor(source: try site.source()).verify(state: state)

        // At size 10 the later entries are served without leaves too; only the consistency problem matters here.
        #expect(grown.problems.map(\.check) == [.consistency], "\(grown.problems)")
        for report in [sameSize, grown] {
            let inconsistent = report.problems.filter { $0.check == .consistency }
            #expect(inconsistent.count == 1)
            #expect(inconsistent.first?.message.contains("does not extend the last seen checkpoint 10") == true)
            #expect(report.newState == nil)
        }
    }

    @Test("a checkpoint signed by another key is refused, whether the key is given or pinned")
    func wrongKey() async throws {
        let site = try FakeSite.shipped()
        let other = try NoteSigner.generate(name: FakeSite.origin)
        var pinned = try site.state()
        pinned.vkey = other.verifier.vkey

        let given = await LogMonitor(source: try site.source(), vkey: other.verifier.vkey).verify(state: nil)
        let fromState = await LogMonitor(source: try site.source()).verify(state: pinned)

        for report in [given, fromState] {
            #expect(report.problems.first?.check == .checkpoint)
        // Nothing could be verified against the log, so every served entry is named as unverified.
        #expect(report.problems.dropFirst().allSatisfy { $0.check == .unverifiedEntry } && report.problems.count > 1)
            #expect(report.problems.first?.message.contains("has no signature by") == true)
            #expect(report.checkpoint == nil)
            #expect(report.newState == nil)
        }
    }

    @Test("a given key that differs from the pinned one is refused")
    func keyConflict() async throws {
        let site = try FakeSite.shipped()
        let other = try NoteSigner.generate(name: FakeSite.origin)

        let report = await LogMonitor(source: try site.source(), vkey: other.verifier.vkey).verify(state: try site.state())

        #expect(report.problems.map(\.check) == [.key])
        #expect(report.problems.first?.message.contains("the state file pins the key") == true)
    }

    @Test("a checkpoint altered after signing fails its signature")
    func alteredCheckpoint() async throws {
        let site = try FakeSite.shipped()
        var source = try site.source()
        let note = String(decoding: source.files[SitePath.checkpoint]!, as: UTF8.self)
        let altered = note.replacingOccurrences(of: "\n\(site.records.count)\n", with: "\n\(site.records.count + 1)\n")
        #expect(altered != note)
        source.files[SitePath.checkpoint] = Array(altered.utf8)

        let report = await LogMonitor(source: source).verify(state: nil)

        #expect(report.problems.first?.check == .checkpoint)
        // Nothing could be verified against the log, so every served entry is named as unverified.
        #expect(report.problems.dropFirst().allSatisfy { $0.check == .unverifiedEntry } && report.problems.count > 1)
        #expect(report.problems.first?.message.contains("does not verify: the note was altered or forged") == true)
    }

    @Test("a malformed key or checkpoint is reported, not trusted")
    func malformed() async throws {
        let site = try FakeSite.shipped()
        var badKey = try site.source()
        badKey.files[SitePath.key] = Array("rumorcontrol.test/log+00000000+AAAA\n".utf8)
        var badCheckpoint = try site.source()
        badCheckpoint.files[SitePath.checkpoint] = Array("<html>not found</html>".utf8)

        let keyReport = await LogMonitor(source: badKey).verify(state: nil)
        let checkpointReport = await LogMonitor(source: badCheckpoint).verify(state: nil)

        #expect(keyReport.problems.map(\.check) == [.key])
        #expect(checkpointReport.problems.first?.check == .checkpoint)
        #expect(checkpointReport.problems.dropFirst().allSatisfy { $0.check == .unverifiedEntry })
        #expect(checkpointReport.problems.first?.message.contains("malformed signed note") == true)
    }

    @Test("a tampered entry bundle, hash tile or missing tile is caught")
    func tamperedTiles() async throws {
        let site = try FakeSite.shipped()
        let size = site.records.count
        let bundle = SitePath.tile(Tile(kind: .entries, index: 0, width: size))
        let hashes = SitePath.tile(Tile(kind: .hashes(level: 0), index: 0, width: size))
        var editedBundle = try site.source()
        // Same length, so the bundle still parses: only the hashes can tell.
        editedBundle.files[bundle] = replacingFirst(Array("\"author\":\"ana\"".utf8), with: Array("\"author\":\"eve\"".utf8), in: editedBundle.files[bundle]!)
        var editedHashes = try site.source()
        editedHashes.files[hashes]![40] ^= 1
        var missing = try site.source()
        missing.files[bundle] = nil

        let reports = [
            await LogMonitor(source: editedBundle).verify(state: nil), await LogMonitor(source: editedHashes).verify(state: nil),
            await LogMonitor(source: missing).verify(state: nil),
        ]

        // The log fails its tiles check; the served entries then cannot be matched to it and are each named.
        #expect(reports.map { $0.problems.first?.check } == [.tiles, .tiles, .tiles])
        #expect(reports.allSatisfy { $0.problems.dropFirst().allSatisfy { $0.check == .unverifiedEntry } })
        #expect(reports[0].problems.first?.message.contains("tile/entries/000.p/\(size)") == true, "\(reports[0].problems.first?.message ?? "")")
        #expect(reports[1].problems.first?.message.contains("do not give checkpoint") == true)
        #expect(reports[2].problems.first?.message == "log: tile/entries/000.p/\(size) is missing: /log/tile/entries/000.p/\(size) answers 404")
        #expect(reports.allSatisfy { $0.newState == nil && $0.latestLeaves.isEmpty })
    }

    @Test("a leaf that is not a LogRecord is reported by index")
    func badRecord() async throws {
        let site = try FakeSite.shipped()
        var log = try site.log()
        try log.append(Array("{\"slug\":\"x\"}".utf8))
        var source = MemoryLogSource()
        try source.publish(log: log, signer: site.signer)
        source.publish(entries: site.entries)

        let report = await LogMonitor(source: source).verify(state: nil)

        #expect(report.problems.map(\.message) == ["log: leaf \(site.records.count) is not a log record: malformed log record: field 'version' is missing or not an integer"])
    }

    @Test("a site that cannot be reached is reported with the URL")
    func unreachable() async throws {
        let report = await LogMonitor(source: FailingSource()).verify(state: nil)

        #expect(report.problems.map(\.check) == [.fetch])
        #expect(report.problems.first?.message == "log: no key to check the checkpoint with: cannot fetch http://127.0.0.1:9/log/key: connection refused")
        #expect(report.summary == "log verify: FAILED: 1 problem")
    }

    // MARK: - The state file

    @Test("the state file is written on success only, and the next run checks consistency against it")
    func stateFile() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/monitor.json"
        var site = try FakeSite.shipped()
        let monitor = LogMonitor(source: try site.source())

        let first = try await monitor.verify(stateFile: path)
        let saved = try #require(try MonitorState.load(from: path))
        #expect(first.isOK)
        #expect(saved == first.newState)

        site.entries.removeLast()
        let failing = try await LogMonitor(source: try site.source()).verify(stateFile: path)
        #expect(!failing.isOK)
        #expect(try MonitorState.load(from: path) == saved)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["monitor.json"])

        let truncated = try await LogMonitor(source: try site.source(logCount: 5)).verify(stateFile: path)
        #expect(truncated.problems.map(\.check).contains(.consistency))
        #expect(try MonitorState.load(from: path) == saved)
    }

    @Test("a state file that is not JSON is an error, not a first run")
    func badStateFile() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/monitor.json"
        try Data("checkpoint".utf8).write(to: URL(fileURLWithPath: path))

        await #expect(throws: MonitorError.stateFile(path, "")) {
            _ = try await LogMonitor(source: try FakeSite.shipped().source()).verify(stateFile: path)
        }
    }
}

@Suite("HTTP source")
struct HTTPLogSourceTests {
    @Test("only http and https URLs with a host are accepted")
    func urls() {
        #expect(HTTPLogSource(baseURL: "http://127.0.0.1:8080/")?.baseURL == "http://127.0.0.1:8080")
        #expect(HTTPLogSource(baseURL: "https://rumors.example/site")?.location(of: "log/key") == "https://rumors.example/site/log/key")
        #expect(HTTPLogSource(baseURL: "ftp://127.0.0.1") == nil)
        #expect(HTTPLogSource(baseURL: "127.0.0.1:8080") == nil)
        #expect(HTTPLogSource(baseURL: "not a url") == nil)
    }

    @Test("a refused connection is a network error naming the URL")
    func refused() async throws {
        let source = try #require(HTTPLogSource(baseURL: "http://127.0.0.1:9", timeout: 5))

        let report = await LogMonitor(source: source).verify(state: nil)

        #expect(report.problems.map(\.check) == [.fetch])
        #expect(report.problems.first?.message.contains("cannot fetch http://127.0.0.1:9/log/key") == true)
    }
}

/// `bytes` with the first occurrence of `pattern` replaced.
private func replacingFirst(_ pattern: [UInt8], with replacement: [UInt8], in bytes: [UInt8]) -> [UInt8] {
    guard let start = (0...(bytes.count - pattern.count)).first(where: { bytes[$0..<$0 + pattern.count].elementsEqual(pattern) }) else { return bytes }
    return Array(bytes[..<start]) + replacement + bytes[(start + pattern.count)...]
}
