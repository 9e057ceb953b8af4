import RumorCore
import Testing

@Suite("JSON Lines input")
struct LineBufferTests {
    @Test("lines split across arrivals come out whole and numbered; a final line without a newline is kept")
    func splitsLines() {
        var buffer = LineBuffer(maximumLineLength: 100)
        var items: [LineBuffer.Item] = []
        for piece in ["{\"a\"", ":1}\n\n{\"b\":2}\n{\"c\"", ":3}"] {
            buffer.append(Array(piece.utf8))
            while let item = buffer.nextLine() { items.append(item) }
        }
        if let last = buffer.finish() { items.append(last) }
        #expect(items == [
            .line(number: 1, bytes: Array("{\"a\":1}".utf8)), .line(number: 2, bytes: []), .line(number: 3, bytes: Array("{\"b\":2}".utf8)),
            .line(number: 4, bytes: Array("{\"c\":3}".utf8)),
        ])
        #expect(buffer.finish() == nil)
    }

    @Test("a line over the limit is dropped as it arrives and reported, and the lines after it still count")
    func dropsLongLines() {
        var buffer = LineBuffer(maximumLineLength: 10)
        var items: [LineBuffer.Item] = []
        for piece in ["ok\n", String(repeating: "x", count: 8), String(repeating: "y", count: 8), String(repeating: "z", count: 30), "\nfine\n"] {
            buffer.append(Array(piece.utf8))
            while let item = buffer.nextLine() { items.append(item) }
        }
        #expect(items == [.line(number: 1, bytes: Array("ok".utf8)), .tooLong(number: 2), .line(number: 3, bytes: Array("fine".utf8))])
    }

    @Test("a post line is parsed, and what is wrong with a bad one is said with its line number and id")
    func parsesPosts() throws {
        let post = try PostLine.parse(.line(number: 7, bytes: Array(#"{"id": "p1", "text": "hello"}"#.utf8))).get()
        #expect(post.number == 7 && post.text == "hello" && post.id == .string("p1"))
        guard case .failure(let missing) = PostLine.parse(.line(number: 2, bytes: Array(#"{"id": 5}"#.utf8))) else {
            Issue.record("a line without text was accepted")
            return
        }
        #expect(missing.jsonLine == #"{"id":5,"line":2,"error":"\"text\" is missing or not a string"}"#)
        guard case .failure(let long) = PostLine.parse(.tooLong(number: 3)) else { return }
        #expect(long.line == 3)
    }
}
