/// An error loading or running the sentence-embedding model.
///
/// Messages say which file is wrong and name the set-up command that fixes it. Equality compares the ``code``.
public struct EmbeddingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kinds of failure.
    public enum Code: String, Sendable, Hashable {
        /// The model folder or a file in it is missing.
        case missingModel
        /// A file is there but is not what it should be (checksum, header, shapes).
        case invalidModel
    }

    /// What went wrong, in kind.
    public let code: Code
    /// A message for people: what, where, what to do.
    public let message: String
    /// Where the error was made (for debugging).
    public let location: String

    public var description: String { message }

    /// The command that puts the model in place.
    public static let setUpCommand = "scripts/fetch-model.sh"

    /// A model file that is missing.
    /// - Parameter environmentKey: the variable that names the model's folder.
    public static func missingModel(
        _ what: String, environmentKey: String = ModelLocation.environmentKey, fileID: String = #fileID, line: Int = #line
    ) -> Self {
        Self(
            code: .missingModel, message: "\(what). Run `\(setUpCommand)` to fetch the model (or set \(environmentKey) to where it is).",
            location: "\(fileID):\(line)")
    }

    /// A model file that is damaged or of the wrong model.
    public static func invalidModel(_ what: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(code: .invalidModel, message: "\(what). Run `\(setUpCommand)` again to replace the model files.", location: "\(fileID):\(line)")
    }

    /// A matcher model file (``MatcherModel``) that cannot be used; the advice differs from the encoder's files.
    public static func invalidMatcherModel(_ what: String, fileID: String = #fileID, line: Int = #line) -> Self {
        Self(
            code: .invalidModel,
            message: "\(what). Refit it with `rumorctl fit` (see `rumorctl fit --help`), or leave out --matcher-model to use the shipped model.",
            location: "\(fileID):\(line)")
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
