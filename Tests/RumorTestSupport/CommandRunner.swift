import Foundation

/// What a finished command printed and how it exited.
public struct CommandResult: Sendable {
    /// The exit status.
    public var status: Int32
    /// Everything written to standard output.
    public var stdout: String
    /// Everything written to standard error.
    public var stderr: String

    /// Creates a result.
    public init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// Runs the built `rumorctl` as a subprocess, the way a person or a script would.
public enum Rumorctl {
    /// The `rumorctl` binary built beside the test bundle.
    public static var executable: URL {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        var folder = testBinary.deletingLastPathComponent()
        // Swift Testing may run from inside the .xctest bundle; walk up to the build folder holding rumorctl.
        while folder.path != "/" && !FileManager.default.fileExists(atPath: folder.appendingPathComponent("rumorctl").path) {
            folder.deleteLastPathComponent()
        }
        return folder.appendingPathComponent("rumorctl")
    }

    /// Runs `rumorctl` with arguments, an environment and optional standard input, and waits for it.
    /// - Parameters:
    ///   - arguments: the command line after `rumorctl`.
    ///   - database: the database file, passed as `RUMORCONTROL_DATABASE`.
    ///   - environment: extra environment variables.
    ///   - input: bytes for standard input.
    public static func run(
        _ arguments: [String], database: URL? = nil, environment: [String: String] = [:], input: Data? = nil,
        currentDirectory: URL? = nil
    ) throws -> CommandResult {
        var env = environment
        if let database { env["RUMORCONTROL_DATABASE"] = database.path }
        return try Subprocess.run(executable, arguments, environment: env, removing: ["RUMORCONTROL_DATABASE"], input: input,
                                  currentDirectory: currentDirectory)
    }
}

/// Runs a program and collects what it printed.
public enum Subprocess {
    /// Runs `executable` with `arguments` and waits for it.
    /// - Parameters:
    ///   - environment: variables added to this process's environment.
    ///   - removing: variables of this process's environment not passed on.
    ///   - input: bytes for standard input (none when nil).
    ///   - currentDirectory: where it runs.
    public static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String] = [:], removing: Set<String> = [], input: Data? = nil,
        currentDirectory: URL? = nil
    ) throws -> CommandResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment.filter { !removing.contains($0.key) }
        env.merge(environment) { $1 }
        process.environment = env
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        // Files rather than pipes: the child's output can be large, and reading pipes here can be interrupted by signals.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("rumorctl-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let paths = ["in", "out", "err"].map { scratch.appendingPathComponent($0) }
        try (input ?? Data()).write(to: paths[0])
        for path in paths.dropFirst() { _ = FileManager.default.createFile(atPath: path.path, contents: nil) }
        process.standardInput = try FileHandle(forReadingFrom: paths[0])
        process.standardOutput = try FileHandle(forWritingTo: paths[1])
        process.standardError = try FileHandle(forWritingTo: paths[2])
        try process.run()
        process.waitUntilExit()
        let outData = try Data(contentsOf: paths[1])
        let errData = try Data(contentsOf: paths[2])
        return CommandResult(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }
}
