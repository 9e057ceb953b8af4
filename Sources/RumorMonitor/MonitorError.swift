/// An error from fetching or storing what the monitor needs: the network, the site's answers, the state file.
///
/// Problems found in the log or on the site are not errors: ``LogMonitor`` returns them in a ``MonitorReport``. Equality
/// compares the ``code`` only.
public struct MonitorError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kinds of failure.
    public enum Code: String, Sendable, Hashable {
        /// The request failed: no connection, a timeout, a bad URL.
        case network
        /// The server answered with a status other than 200 or 404.
        case httpStatus
        /// A tile the checks needed was not fetched.
        case missingTile
        /// The state file cannot be read, parsed or written.
        case stateFile
    }

    /// What went wrong, in kind.
    public let code: Code
    /// A message for people, naming the URL or file.
    public let message: String
    /// Where the error was made (for debugging).
    public let location: String

    /// The message.
    public var description: String { message }

    init(_ code: Code, _ message: String, fileID: String, line: Int) {
        self.code = code
        self.message = message
        self.location = "\(fileID):\(line)"
    }

    /// A request that got no answer.
    ///
    /// - Parameters:
    ///   - url: what was requested.
    ///   - reason: why it failed, as the network layer says.
    public static func network(_ url: String, _ reason: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.network, "cannot fetch \(url): \(reason)", fileID: fileID, line: line)
    }

    /// An answer with an unexpected status.
    public static func httpStatus(_ url: String, status: Int, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.httpStatus, "\(url) answered HTTP \(status)", fileID: fileID, line: line)
    }

    /// A tile asked for that was not among the fetched ones.
    public static func missingTile(_ path: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.missingTile, "\(path) was not fetched", fileID: fileID, line: line)
    }

    /// A state file that cannot be used.
    public static func stateFile(_ path: String, _ reason: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(.stateFile, "state file \(path): \(reason)", fileID: fileID, line: line)
    }

    /// Equal when the kinds of failure are, whatever the messages say.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    /// Hashes the kind of failure only, as ``==`` compares.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
