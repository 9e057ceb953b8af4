import Foundation

/// `rumorctl serve` running as a child process on a free port, for tests that signal or kill it.
public final class ServeProcess: @unchecked Sendable {
    // Not shared across threads: a test starts, uses and stops it from one task.
    public let process = Process()
    /// The port it listens on.
    public private(set) var port = 0
    /// What it wrote to stderr up to the moment it was listening.
    public private(set) var log = ""
    private let errors = Pipe()
    private let laterOutput = NSLock()
    // Guarded by `laterOutput`: what it wrote after it was listening.
    private var later = Data()
    /// Signalled when the reader thread has read stderr to its end.
    private let drained = DispatchSemaphore(value: 0)

    /// Everything it has written to stderr so far.
    public var output: String {
        log + laterOutput.withLock { String(decoding: later, as: UTF8.self) }
    }

    /// Starts `rumorctl serve --port 0` with more arguments and waits until it prints its address.
    /// - Throws: when it exits before listening.
    public convenience init(database: URL, arguments: [String] = [], environment: [String: String] = [:]) throws {
        try self.init(databaseLocation: database.path, arguments: arguments, environment: environment)
    }

    /// Starts `rumorctl serve --port 0` on a database file or URL, and waits until it prints its address.
    public convenience init(databaseLocation: String, arguments: [String] = [], environment: [String: String] = [:]) throws {
        // "RumorControl is serving http://127.0.0.1:PORT/ …", or "… serving https://public.example/ from 127.0.0.1:PORT …".
        try self.init(
            rumorctl: ["serve", "--port", "0", "--database", databaseLocation] + arguments, environment: environment, listening: "Ctrl-C stops it)",
            addressLine: "RumorControl is serving")
    }

    /// Starts a `rumorctl` command that serves HTTP (`serve`, `witness serve`) and waits until it prints `listening`;
    /// the port is read after `127.0.0.1:` on the first line holding `addressLine`.
    public init(rumorctl arguments: [String], environment: [String: String] = [:], listening: String, addressLine: String) throws {
        process.executableURL = Rumorctl.executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("RUMORCONTROL_") }.merging(environment) { $1 }
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        while !log.contains(listening) {
            let data = errors.fileHandleForReading.availableData
            guard !data.isEmpty else { throw RawHTTP.Failure(description: "rumorctl \(arguments.first ?? "") exited before it listened: \(log)") }
            log += String(decoding: data, as: UTF8.self)
        }
        guard let line = log.split(separator: "\n").first(where: { $0.contains(addressLine) }),
            let address = line.range(of: "127.0.0.1:"),
            let port = Int(line[address.upperBound...].prefix { $0.isNumber })
        else { throw RawHTTP.Failure(description: "rumorctl did not print its address: \(log)") }
        self.port = port
        // Keep draining stderr (so the child never blocks on a full pipe), and keep what it says: blocking reads on a
        // thread of its own until the end of the pipe. (Not `readabilityHandler`: its dispatch source, cancelled as
        // the pipe closes, once crashed libdispatch's event loop in a test that kills the child.)
        let handle = errors.fileHandleForReading
        Thread { [weak self] in
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                guard let self else { continue }
                self.laterOutput.withLock { self.later.append(data) }
            }
            self?.drained.signal()
        }.start()
    }

    /// Sends a signal and waits (up to `timeout`) for the process to end; returns whether it did.
    @discardableResult
    public func stop(signal: Int32 = SIGKILL, timeout: TimeInterval = 20) -> Bool {
        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        guard !process.isRunning else { return false }
        // Everything it wrote is read before the caller looks at `output`.
        _ = drained.wait(timeout: .now() + max(1, deadline.timeIntervalSinceNow))
        drained.signal()
        return true
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}
