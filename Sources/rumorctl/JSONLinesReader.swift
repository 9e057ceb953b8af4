import ArgumentParser
import Foundation
import RumorCore

/// Reads a JSON Lines file (or standard input for `-`) one line at a time, in constant memory.
struct JSONLinesReader: Sequence, IteratorProtocol {
    /// One line: its number, and either the parsed value or what is wrong with it.
    struct Line {
        var number: Int
        var value: Result<JSONNode, JSONSyntaxError>
    }

    /// The longest line accepted, so one runaway line cannot exhaust memory.
    static let maximumLineLength = 1 << 20

    private let handle: FileHandle
    private var buffer = Data()
    private var atEnd = false
    private var lineNumber = 0

    /// Opens a path, or standard input for `-`.
    init(path: String) throws {
        if path == "-" {
            handle = .standardInput
        } else {
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw ValidationError("cannot read \(path): no such file, or permission denied")
            }
            self.handle = handle
        }
    }

    /// Counts the line and parses it; nil for a blank line.
    private mutating func parse(_ line: Data) -> Line? {
        lineNumber += 1
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return nil }
        return Line(number: lineNumber, value: Result { () throws(JSONSyntaxError) in try JSONParser.parse(line) })
    }

    mutating func next() -> Line? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = buffer[buffer.startIndex..<newline]
                buffer.removeSubrange(buffer.startIndex...newline)
                if let parsed = parse(line) { return parsed }
                continue
            }
            if atEnd {
                guard !buffer.isEmpty else { return nil }
                let line = buffer
                buffer = Data()
                return parse(line)
            }
            if buffer.count > Self.maximumLineLength {
                buffer = Data()
                lineNumber += 1
                let tooLong = JSONSyntaxError(line: 1, column: 1, message: "the line is longer than \(Self.maximumLineLength) bytes")
                // Skip the rest of the long line.
                while !atEnd {
                    let chunk = handle.readData(ofLength: 1 << 16)
                    if chunk.isEmpty { atEnd = true }
                    if let newline = chunk.firstIndex(of: 0x0A) {
                        buffer = chunk[(newline + 1)...]
                        break
                    }
                }
                return Line(number: lineNumber, value: .failure(tooLong))
            }
            let chunk = handle.readData(ofLength: 1 << 16)
            if chunk.isEmpty { atEnd = true } else { buffer.append(chunk) }
        }
    }
}

/// A post read from JSON Lines: its id (any JSON value, written back as given) and its text.
struct PostLine {
    var number: Int
    var id: JSONValue
    var text: String

    /// Reads `{"id": ..., "text": "..."}`, or says what is wrong with the line.
    static func parse(_ line: JSONLinesReader.Line) -> Result<PostLine, PostLineError> {
        switch line.value {
        case .failure(let error):
            return .failure(PostLineError(line: line.number, id: nil, message: "not valid JSON: \(error.message) (column \(error.column))"))
        case .success(let node):
            guard case .object = node.value else {
                return .failure(PostLineError(line: line.number, id: nil, message: "expected an object with \"id\" and \"text\", found \(node.typeName)"))
            }
            let id = node["id"]?.value ?? .null
            guard case .string(let text) = node["text"]?.value else {
                return .failure(PostLineError(line: line.number, id: id, message: "\"text\" is missing or not a string"))
            }
            return .success(PostLine(number: line.number, id: id, text: text))
        }
    }
}

/// A line that is not a post.
struct PostLineError: Error {
    var line: Int
    var id: JSONValue?
    var message: String
}

/// Progress on stderr, only when stderr is a terminal, at most a few times a second.
struct ProgressReporter {
    private let enabled = isatty(STDERR_FILENO) == 1
    private let start = Date()
    private var lastReport = Date.distantPast
    private let noun: String

    init(noun: String) { self.noun = noun }

    mutating func update(_ count: Int) {
        guard enabled, Date().timeIntervalSince(lastReport) > 0.25 else { return }
        lastReport = Date()
        let rate = Double(count) / max(Date().timeIntervalSince(start), 1e-9)
        FileHandle.standardError.write(Data("\r\(count) \(noun) (\(Int(rate))/s)".utf8))
    }

    func finish(_ count: Int) {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\(count) \(noun) in \(String(format: "%.1f", Date().timeIntervalSince(start))) s\n".utf8))
    }
}
