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
    private var buffer = LineBuffer(maximumLineLength: maximumLineLength)
    private var atEnd = false

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

    mutating func next() -> Line? {
        while true {
            let item: LineBuffer.Item?
            if let line = buffer.nextLine() {
                item = line
            } else if atEnd {
                guard let last = buffer.finish() else { return nil }
                item = last
            } else {
                let chunk = handle.readData(ofLength: 1 << 16)
                if chunk.isEmpty { atEnd = true } else { buffer.append(chunk) }
                continue
            }
            switch item {
            case .tooLong(let number):
                let error = JSONSyntaxError(line: 1, column: 1, message: "the line is longer than \(Self.maximumLineLength) bytes")
                return Line(number: number, value: .failure(error))
            case .line(let number, let bytes):
                if LineBuffer.isBlank(bytes) { continue }
                return Line(number: number, value: Result { () throws(JSONSyntaxError) in try JSONParser.parse(bytes) })
            case nil:
                return nil
            }
        }
    }
}

extension PostLine {
    /// Reads `{"id": ..., "text": "..."}` from a line of a file, or says what is wrong with the line.
    static func parse(_ line: JSONLinesReader.Line) -> Result<PostLine, PostLineError> {
        parse(line.value, number: line.number)
    }
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

/// The texts of a file of posts: JSON Lines with "text" (lines that are not posts are skipped), or, for a `.tsv`
/// file, the second column of a table with a header line (such as the CheckThat! query files).
func readPostTexts(_ path: String) throws -> [String] {
    if path.hasSuffix(".tsv") { return try readTable(path, columns: 2).map { $0[1] } }
    var reader = try JSONLinesReader(path: path)
    var texts: [String] = []
    while let line = reader.next() {
        if case .success(let post) = PostLine.parse(line) { texts.append(post.text) }
    }
    return texts
}
