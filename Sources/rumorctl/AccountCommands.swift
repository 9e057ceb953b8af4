import ArgumentParser
import Foundation
import RumorCore
import RumorServer
import RumorStore

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage editor accounts.", subcommands: [UserAddCommand.self])
}

struct UserAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Create an editor account.",
        discussion: """
            Roles: author (writes drafts), reviewer (also approves or sends back other people's drafts and \
            retractions), admin (also manages accounts). The password is read from standard input when it is not a \
            terminal (echo "$PASSWORD" | rumorctl user add ana --role author); otherwise a strong one is generated and \
            printed once. Passwords are stored only as scrypt hashes.
            """)

    @Argument(help: "The account's name (letters, digits, . _ -).")
    var name: String

    @Option(name: .long, help: "author, reviewer, admin or moderator (decides posts at the moderation desk, /desk).")
    var role: Role

    @OptionGroup var databaseOptions: DatabaseOptions

    func run() async throws {
        let store = try await databaseOptions.openStore()
        var password: String
        var generated = false
        if isatty(STDIN_FILENO) == 0 {
            password = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            while password.hasSuffix("\n") || password.hasSuffix("\r") { password.removeLast() }
            guard password.count >= 12 else { throw ValidationError("The password from standard input is shorter than 12 characters.") }
        } else {
            password = Secrets.make()
            generated = true
        }
        do {
            try await store.createAccount(name: name, role: role, passwordHash: try PasswordHasher.standard.hash(password))
        } catch {
            throw Failure.report(error)
        }
        printOut("created \(role.rawValue) \(name)" + (generated ? "\npassword (shown once): \(password)" : ""))
    }
}

extension Role: ExpressibleByArgument {}
extension APIToken.Scope: ExpressibleByArgument {}

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Manage API tokens for platforms and scripts.",
        subcommands: [TokenCreateCommand.self, TokenRevokeCommand.self, TokenListCommand.self])
}

struct TokenCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create an API token and print it once.",
        discussion: """
            Scopes: label (the label API), edit (also the drafts API, as an author) and moderate (also the queue API, \
            as a moderator). With --queue, posts it sends to the label API that the matcher sends to review (and \
            unmatched election posts) are kept for the moderation desk unless a request says "queue": false. Send it as \
            Authorization: Bearer TOKEN. Only its SHA-256 is stored; a lost token cannot be shown again, only revoked.
            """)

    @Option(name: .long, help: "A name for people (who holds it).")
    var name: String

    @Option(name: .long, help: "label, edit or moderate.")
    var scope: APIToken.Scope

    @Flag(name: .long, help: "Queue this token's posts for the moderation desk by default.")
    var queue = false

    @OptionGroup var databaseOptions: DatabaseOptions

    func run() async throws {
        let store = try await databaseOptions.openStore()
        let secret = Secrets.make()
        do {
            try await store.createToken(name: name, tokenHash: Secrets.hash(secret), scope: scope, queuesPosts: queue)
        } catch {
            throw Failure.report(error)
        }
        printOut(secret)
    }
}

struct TokenRevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke an API token at once.")

    @Argument(help: "The token's name.")
    var name: String

    @OptionGroup var databaseOptions: DatabaseOptions

    func run() async throws {
        let store = try await databaseOptions.openStore()
        guard try await store.revokeToken(name: name) else {
            Failure.printError("no live token is named \(name) (rumorctl token list shows them)")
            throw ExitCode.failure
        }
        printOut("revoked \(name)")
    }
}

struct TokenListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List API tokens (names and scopes, never secrets).")

    @OptionGroup var databaseOptions: DatabaseOptions

    func run() async throws {
        let store = try await databaseOptions.openStore()
        for token in try await store.tokens() {
            printOut("\(token.name)\t\(token.scope.rawValue)\(token.queuesPosts ? "+queue" : "")\tcreated \(token.created)\(token.revoked.map { "\trevoked \($0)" } ?? "")")
        }
    }
}
