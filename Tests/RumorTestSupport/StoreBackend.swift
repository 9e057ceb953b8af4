import Foundation
import GRDB
import Logging
import PostgresNIO
import RumorCore
import RumorStore

/// A database engine the store tests run against: the same suite, once per backend.
///
/// PostgreSQL needs a server: `RUMORCONTROL_TEST_POSTGRES` names a URL whose user may create databases (CI starts
/// one with `scripts/postgres.sh start`). Without it the PostgreSQL runs are left out, except under CI, where they
/// run and fail with a message saying what is missing.
public enum StoreBackend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    public var description: String { rawValue }

    /// The environment variable naming the PostgreSQL server the tests use.
    public static let postgresKey = "RUMORCONTROL_TEST_POSTGRES"

    /// The backends to test here.
    public static var available: [StoreBackend] {
        let environment = ProcessInfo.processInfo.environment
        return environment[postgresKey] != nil || environment["CI"] != nil ? allCases : [.sqlite]
    }

    /// Runs `body` with the location (a file path or a URL) of a new, empty database, removed afterwards.
    public func withFreshDatabase<T>(_ body: (String) async throws -> T) async throws -> T {
        switch self {
        case .sqlite:
            return try await withTemporaryFolder { folder in try await body(folder.appendingPathComponent("site.sqlite").path) }
        case .postgres:
            let admin = try Self.adminURL()
            let name = "rc_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            try await Self.execute("CREATE DATABASE \(name)", postgresURL: admin)
            var components = URLComponents(string: admin)!
            components.path = "/" + name
            do {
                let result = try await body(components.string!)
                try? await Self.execute("DROP DATABASE \(name) WITH (FORCE)", postgresURL: admin)
                return result
            } catch {
                try? await Self.execute("DROP DATABASE \(name) WITH (FORCE)", postgresURL: admin)
                throw error
            }
        }
    }

    /// Opens the store at `location`.
    public func open(_ location: String, seed: [Entry] = []) async throws -> any SiteStore {
        switch self {
        case .sqlite: try SQLiteEntryStore(path: location, seed: seed)
        case .postgres: try await PostgresSiteStore(url: location, seed: seed, maxConnections: 8)
        }
    }

    /// Runs SQL on the database directly, past the store (as someone tampering with it would).
    public func execute(_ sql: String, at location: String) async throws {
        try await execute([sql], at: location)
    }

    /// Runs statements in order on one connection, outside any transaction (so session settings carry over).
    public func execute(_ statements: [String], at location: String) async throws {
        switch self {
        case .sqlite: try await DatabaseQueue(path: location).writeWithoutTransaction { db in for sql in statements { try db.execute(sql: sql) } }
        case .postgres: try await Self.execute(statements, postgresURL: location)
        }
    }

    static func adminURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment[postgresKey], !url.isEmpty else {
            throw RawHTTP.Failure(description: "\(postgresKey) is not set: start a server with scripts/postgres.sh start and set it to the URL printed")
        }
        return url
    }

    static func execute(_ sql: String, postgresURL: String) async throws {
        try await execute([sql], postgresURL: postgresURL)
    }

    static func execute(_ statements: [String], postgresURL: String) async throws {
        guard let components = URLComponents(string: postgresURL), let user = components.user else {
            throw RawHTTP.Failure(description: "not a PostgreSQL URL: \(postgresURL)")
        }
        let configuration = PostgresClient.Configuration(
            host: components.host ?? "127.0.0.1", port: components.port ?? 5432, username: user, password: components.password,
            database: String(components.path.dropFirst()), tls: .disable)
        let client = PostgresClient(configuration: configuration)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await client.withConnection { connection in
                for sql in statements { try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "rumorcontrol-test")) }
            }
        }
    }
}
