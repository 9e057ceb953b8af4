/// An error from the store: the database could not be opened, read or written.
///
/// Messages name the database file and say what to do; they never contain SQL arguments or entry data.
/// Equality compares the ``code`` only.
public struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kinds of failure.
    public enum Code: String, Sendable, Hashable {
        /// The file exists but is not a SQLite database.
        case notADatabase
        /// Another process holds a lock for longer than the busy timeout.
        case locked
        /// The file or its folder cannot be written.
        case readOnly
        /// The file cannot be opened or created.
        case cannotOpen
        /// The disk is full.
        case diskFull
        /// The file is damaged.
        case corrupt
        /// The database was written by a newer RumorControl.
        case newerSchema
        /// Anything else the database reported.
        case databaseFailure
        /// The request conflicts with what is stored (a taken name, a draft in the wrong state).
        case conflict
        /// The request names something that is not stored (a queued post).
        case notFound
        /// The request is not valid as it stands (a decision naming no entry).
        case invalid
    }

    /// What went wrong, in kind.
    public let code: Code
    /// A message for people: what, where, what to do.
    public let message: String
    /// Where the error was made (for debugging).
    public let location: String

    public var description: String { message }

    /// Creates an error.
    public static func make(_ code: Code, _ message: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: code, message: message, location: "\(fileID):\(line)")
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
