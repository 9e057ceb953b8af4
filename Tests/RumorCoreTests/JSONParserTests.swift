import Testing
import RumorCore

@Suite("JSON parser")
struct JSONParserTests {
    @Test("values carry the line they start on")
    func lines() throws {
        let node = try JSONParser.parse(Array("{\n  \"a\": 1,\n  \"b\": [\n    \"x\",\n    true\n  ]\n}".utf8))
        #expect(node.line == 1)
        #expect(node["a"]?.line == 2)
        #expect(node["b"]?.line == 3)
        guard case .array(let items) = node["b"]?.value else {
            Issue.record("b is not an array")
            return
        }
        #expect(items.map(\.line) == [4, 5])
    }

    @Test("escapes and surrogate pairs decode")
    func escapes() throws {
        let node = try JSONParser.parse(Array(#"["a\"b\\c\/\n\u00e9\ud83d\ude00"]"#.utf8))
        #expect(node.value == .array([JSONNode(.string("a\"b\\c/\né😀"), line: 1)]))
    }

    @Test(
        "malformed JSON is rejected with its line",
        arguments: [
            ("{\n\"a\": 1,\n}", 3), ("{\"a\": 1, \"a\": 2}", 1), ("[1,\n2,]", 2), ("{\"a\": tru}", 1), ("\"\\ud800\"", 1),
            ("[01]", 1), ("{\"a\":\n\"line\nbreak\"}", 2), ("", 1), ("{} {}", 1), ("[1.]", 1), ("[-]", 1),
        ])
    func malformed(text: String, line: Int) {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(Array(text.utf8)) }
        do {
            _ = try JSONParser.parse(Array(text.utf8))
        } catch {
            #expect(error.line == line, "\(error)")
        }
    }

    @Test("invalid UTF-8 in a string is an error, not a crash")
    func invalidUTF8() {
        let bytes: [UInt8] = Array("[\"ab".utf8) + [0xC3, 0x28] + Array("\"]".utf8)
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(bytes) }
    }

    @Test("deep nesting is refused before it exhausts the stack")
    func deepNesting() {
        let text = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(Array(text.utf8)) }
    }
}
