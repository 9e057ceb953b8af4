/// Splits a stream of bytes into lines in bounded memory. Used for JSON Lines from files, standard input and HTTP
/// bodies alike.
///
/// A line longer than ``maximumLineLength`` is not kept: its bytes are dropped as they arrive and it comes out as
/// ``Item/tooLong(number:)``, so one runaway line cannot exhaust memory and the lines after it still count.
public struct LineBuffer: Sendable {
    /// One line of the stream.
    public enum Item: Sendable, Equatable {
        /// A whole line (without its line feed), numbered from 1.
        case line(number: Int, bytes: [UInt8])
        /// A line that was longer than the limit.
        case tooLong(number: Int)
    }

    /// The longest line kept, in bytes.
    public let maximumLineLength: Int
    private var bytes: [UInt8] = []
    private var start = 0
    private var searched = 0
    private var skipping = false
    private var lineNumber = 0

    /// Creates an empty buffer.
    public init(maximumLineLength: Int) {
        self.maximumLineLength = maximumLineLength
    }

    /// Adds bytes that arrived from the stream.
    public mutating func append(_ more: some Sequence<UInt8>) {
        if start > 0 && start >= bytes.count / 2 {
            bytes.removeFirst(start)
            searched -= start
            start = 0
        }
        bytes.append(contentsOf: more)
    }

    /// The next whole line, or nil when more bytes are needed.
    public mutating func nextLine() -> Item? {
        if let newline = bytes[searched...].firstIndex(of: 0x0A) {
            let line = Array(bytes[start..<newline])
            start = newline + 1
            searched = start
            return item(line)
        }
        searched = bytes.count
        if bytes.count - start > maximumLineLength {
            // Too long to keep: drop what has arrived and remember to report the line when it ends.
            skipping = true
            bytes.removeAll(keepingCapacity: true)
            start = 0
            searched = 0
        }
        return nil
    }

    /// At the end of the stream: the last line when it has no line feed, else nil.
    public mutating func finish() -> Item? {
        guard start < bytes.count || skipping else { return nil }
        let line = Array(bytes[start...])
        bytes.removeAll()
        start = 0
        searched = 0
        return item(line)
    }

    private mutating func item(_ line: [UInt8]) -> Item {
        lineNumber += 1
        if skipping {
            skipping = false
            return .tooLong(number: lineNumber)
        }
        return .line(number: lineNumber, bytes: line)
    }

    /// Whether a line holds only spaces, tabs and carriage returns (such lines are skipped in JSON Lines).
    public static func isBlank(_ line: [UInt8]) -> Bool {
        line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }
}

/// A post read from JSON Lines: `{"id": ..., "text": "..."}`. The id may be any JSON value and is written back as
/// given.
public struct PostLine: Sendable {
    /// The line number in the input, from 1.
    public var number: Int
    /// The post's id, as given.
    public var id: JSONValue
    /// The post's text.
    public var text: String
    /// Where the post was seen (`"url"`), for the moderation queue.
    public var url: String?
    /// Whether to keep it for the moderation desk (`"queue"`), when the line says.
    public var queue: Bool?

    /// Creates a post line.
    public init(number: Int, id: JSONValue, text: String, url: String? = nil, queue: Bool? = nil) {
        (self.number, self.id, self.text, self.url, self.queue) = (number, id, text, url, queue)
    }

    /// The post's id as the moderation queue keeps it: a string id as is, a number's digits; nil for none.
    public var externalID: String? {
        switch id {
        case .string(let string): string
        case .number(let digits): digits
        default: nil
        }
    }

    /// Reads one line, or says what is wrong with it.
    /// - Parameters:
    ///   - parsed: the line parsed as JSON, or the syntax error.
    ///   - number: the line number, for messages.
    public static func parse(_ parsed: Result<JSONNode, JSONSyntaxError>, number: Int) -> Result<PostLine, PostLineError> {
        switch parsed {
        case .failure(let error):
            return .failure(PostLineError(line: number, id: nil, message: "not valid JSON: \(error.message) (column \(error.column))"))
        case .success(let node):
            guard case .object = node.value else {
                return .failure(PostLineError(line: number, id: nil, message: "expected an object with \"id\" and \"text\", found \(node.typeName)"))
            }
            let id = node["id"]?.value ?? .null
            guard case .string(let text) = node["text"]?.value else {
                return .failure(PostLineError(line: number, id: id, message: "\"text\" is missing or not a string"))
            }
            var post = PostLine(number: number, id: id, text: text)
            if case .string(let url) = node["url"]?.value { post.url = url }
            if case .bool(let queue) = node["queue"]?.value { post.queue = queue }
            return .success(post)
        }
    }

    /// Reads one line of a stream: a post, or what is wrong with the line (too long, not JSON, not a post).
    public static func parse(_ item: LineBuffer.Item) -> Result<PostLine, PostLineError> {
        switch item {
        case .tooLong(let number):
            return .failure(PostLineError(line: number, id: nil, message: "the line is longer than the limit and was skipped"))
        case .line(let number, let bytes):
            return parse(Result { () throws(JSONSyntaxError) in try JSONParser.parse(bytes) }, number: number)
        }
    }
}

/// A line of JSON Lines input that is not a post.
public struct PostLineError: Error, Sendable {
    /// The line number, from 1.
    public var line: Int
    /// The post's id when the line had one.
    public var id: JSONValue?
    /// What is wrong, for people.
    public var message: String

    /// Creates the error for a line.
    public init(line: Int, id: JSONValue?, message: String) {
        self.line = line
        self.id = id
        self.message = message
    }

    /// The error as one JSON Lines output line: `{"id": ..., "line": N, "error": "..."}`.
    public var jsonLine: String {
        "{\"id\":\(id?.serialized(pretty: false) ?? "null"),\"line\":\(line),\"error\":\(JSONValue.string(message).serialized(pretty: false))}"
    }
}
