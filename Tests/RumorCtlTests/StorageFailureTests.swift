import Foundation
import GRDB
import RumorCore
import RumorServer
import RumorStore
import RumorTestSupport
import Testing

/// A small tmpfs mounted on a fresh folder: a real file system that really fills up and really turns read-only.
/// Mounting needs root (CI runs as root).
final class SmallFileSystem: @unchecked Sendable {
    // Used from one test task at a time.
    let folder: URL

    init(megabytes: Int) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("rumorcontrol-fs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Self.mount(["-t", "tmpfs", "-o", "size=\(megabytes)m,mode=0755", "tmpfs", folder.path])
    }

    /// Writes a filler file until the file system refuses more bytes.
    func fill() -> URL {
        let filler = folder.appendingPathComponent("filler")
        FileManager.default.createFile(atPath: filler.path, contents: nil)
        let descriptor = open(filler.path, O_WRONLY | O_APPEND)
        defer { close(descriptor) }
        let chunk = [UInt8](repeating: 0xA5, count: 4096)
        while chunk.withUnsafeBytes({ write(descriptor, $0.baseAddress, $0.count) }) > 0 {}
        return filler
    }

    func remount(readOnly: Bool) throws {
        try Self.mount(["-o", readOnly ? "remount,ro" : "remount,rw", folder.path])
    }

    func unmount() {
        _ = try? Self.mount(["-l", folder.path], command: "/usr/bin/umount")
        try? FileManager.default.removeItem(at: folder)
    }

    private static func mount(_ arguments: [String], command: String = "/usr/bin/mount") throws {
        let result = try Subprocess.run(URL(fileURLWithPath: command), arguments)
        guard result.status == 0 else { throw RawHTTP.Failure(description: "\(command) \(arguments.joined(separator: " ")): \(result.stderr)") }
    }

    /// Whether this process may mount file systems: root, in a machine or container that lets it (tried once).
    static let isAvailable: Bool = {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/mount") else { return false }
        guard let probe = try? SmallFileSystem(megabytes: 1) else { return false }
        probe.unmount()
        return true
    }()
}

@Suite("A full disk and a read-only database", .enabled(if: SmallFileSystem.isAvailable, "needs to mount a small tmpfs (root, where the machine allows it)"))
struct StorageFailureTests {
    @Test("a full disk: publishing answers 507 and saves nothing, import exits non-zero, the site keeps serving; with space again it all works and verifies")
    func diskFull() async throws {
        let disk = try SmallFileSystem(megabytes: 3)
        defer { disk.unmount() }
        try await withTemporaryFolder { outside in
            let database = disk.folder.appendingPathComponent("site.sqlite")
            let (secret, csrf, drafts) = try await Self.prepareReview(database: database, drafts: 1)
            let server = try await RawHTTP.blocking { try ServeProcess(database: database, environment: ["RUMORCONTROL_MODEL_DIR": "/nonexistent"]) }
            defer { server.stop(signal: SIGTERM) }
            let port = server.port
            let state = outside.appendingPathComponent("monitor.json").path
            let verifyBefore = try await RawHTTP.blocking { try Rumorctl.run(["log", "verify", "--url", "http://127.0.0.1:\(port)", "--state", state]) }
            #expect(verifyBefore.status == 0, "\(verifyBefore.stdout)\(verifyBefore.stderr)")
            let publishedBefore = try await Self.publishedCount(database)

            let filler = disk.fill()
            let approve: @Sendable () throws -> String = { try RawHTTP.post(port: port, path: "/api/v1/drafts/\(drafts[0])/approve", headers: ["Cookie": "rc_session=\(secret)", "X-CSRF-Token": csrf]) }
            let refused = try await RawHTTP.blocking(approve)
            #expect(refused.hasPrefix("HTTP/1.1 507"), "\(refused.prefix(600))")
            #expect(refused.contains("disk is full") && refused.contains("application/problem+json"))
            #expect(!refused.contains(disk.folder.path), "the answer names a server path")
            // The public site keeps serving from what it has.
            for path in ["/", "/rumors/machines-switched-votes", "/healthz", "/log/checkpoint"] {
                let page = try await RawHTTP.blocking { try RawHTTP.get(port: port, path: path) }
                #expect(page.hasPrefix("HTTP/1.1 200"), "\(path): \(page.prefix(300))")
            }
            // The command line says what is wrong, and exits non-zero.
            var entry = try ShippedKnowledgeBase.entries()[0]
            entry.slug = "imported-on-a-full-disk"
            let entryFile = outside.appendingPathComponent("entry.json")
            try entry.fileJSON().write(to: entryFile)
            let imported = try await RawHTTP.blocking { try Rumorctl.run(["import", entryFile.path], database: database) }
            #expect(imported.status != 0)
            #expect(imported.stderr.contains("is full") && imported.stderr.contains(database.path), "\(imported.stderr)")

            try FileManager.default.removeItem(at: filler)
            let accepted = try await RawHTTP.blocking(approve)
            #expect(accepted.hasPrefix("HTTP/1.1 200"), "\(accepted.prefix(600))")
            let verifyAfter = try await RawHTTP.blocking { try Rumorctl.run(["log", "verify", "--url", "http://127.0.0.1:\(port)", "--state", state]) }
            #expect(verifyAfter.status == 0, "\(verifyAfter.stdout)\(verifyAfter.stderr)")
            server.stop(signal: SIGTERM)
            #expect(try await Self.publishedCount(database) == publishedBefore + 1)
            #expect(try Self.integrity(database) == "ok")
        }
    }

    @Test("a read-only file system: serve and import refuse with a message naming the file, and the database is unchanged")
    func readOnly() async throws {
        let disk = try SmallFileSystem(megabytes: 3)
        defer { disk.unmount() }
        let database = disk.folder.appendingPathComponent("site.sqlite")
        _ = try await Self.prepareReview(database: database, drafts: 0)
        try disk.remount(readOnly: true)
        let before = try Data(contentsOf: database)

        let serve = try await RawHTTP.blocking { () -> CommandResult in
            try Rumorctl.run(["serve", "--port", "0", "--database", database.path], environment: ["RUMORCONTROL_MODEL_DIR": "/nonexistent"])
        }
        #expect(serve.status != 0)
        #expect(serve.stderr.contains("read-only") && serve.stderr.contains(database.path), "\(serve.stderr)")
        let entryFile = FileManager.default.temporaryDirectory.appendingPathComponent("rumorcontrol-ro-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: entryFile) }
        var entry = try ShippedKnowledgeBase.entries()[0]
        entry.slug = "imported-read-only"
        try entry.fileJSON().write(to: entryFile)
        let imported = try await RawHTTP.blocking { try Rumorctl.run(["import", entryFile.path], database: database) }
        #expect(imported.status != 0)
        #expect(imported.stderr.contains("read-only") && imported.stderr.contains(database.path), "\(imported.stderr)")
        #expect(try Data(contentsOf: database) == before)

        try disk.remount(readOnly: false)
        #expect(try Self.integrity(database) == "ok")
    }

    /// Seeds the database and prepares `drafts` drafts for review.
    static func prepareReview(database: URL, drafts count: Int) async throws -> (secret: String, csrf: String, drafts: [Int64]) {
        let fixture = try await ReviewFixture.prepare(try SQLiteEntryStore(path: database.path, seed: try ShippedKnowledgeBase.entries()), drafts: count)
        return (fixture.secret, fixture.csrf, fixture.drafts)
    }

    static func publishedCount(_ database: URL) async throws -> Int {
        try await SQLiteEntryStore(path: database.path).entries(status: .published).count
    }

    /// SQLite's own check of the file: "ok" when it is sound.
    static func integrity(_ database: URL) throws -> String? {
        try DatabaseQueue(path: database.path).read { try String.fetchOne($0, sql: "PRAGMA integrity_check") }
    }
}
