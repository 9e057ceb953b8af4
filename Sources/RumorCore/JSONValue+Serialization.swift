extension JSONValue {
    /// The value as JSON text: compact, or pretty with two-space indentation and members in their stored order.
    ///
    /// Strings are written as UTF-8, escaping only what JSON requires (quote, backslash, control characters).
    public func serialized(pretty: Bool = true) -> String {
        var output = ""
        write(to: &output, pretty: pretty, indent: 0)
        return output
    }

    private func write(to output: inout String, pretty: Bool, indent: Int) {
        let newline = pretty ? "\n" : ""
        let inner = pretty ? String(repeating: "  ", count: indent + 1) : ""
        let outer = pretty ? String(repeating: "  ", count: indent) : ""
        switch self {
        case .object(let members) where members.isEmpty: output += "{}"
        case .array(let elements) where elements.isEmpty: output += "[]"
        case .object(let members):
            output += "{" + newline
            for (index, member) in members.enumerated() {
                output += inner
                JSONValue.string(member.key).write(to: &output, pretty: pretty, indent: indent + 1)
                output += pretty ? ": " : ":"
                member.node.value.write(to: &output, pretty: pretty, indent: indent + 1)
                output += (index < members.count - 1 ? "," : "") + newline
            }
            output += outer + "}"
        case .array(let elements):
            output += "[" + newline
            for (index, element) in elements.enumerated() {
                output += inner
                element.value.write(to: &output, pretty: pretty, indent: indent + 1)
                output += (index < elements.count - 1 ? "," : "") + newline
            }
            output += outer + "]"
        case .string(let string):
            output += "\""
            for scalar in string.unicodeScalars {
                switch scalar {
                case "\"": output += "\\\""
                case "\\": output += "\\\\"
                case "\n": output += "\\n"
                case "\r": output += "\\r"
                case "\t": output += "\\t"
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16)
                    output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: output.unicodeScalars.append(scalar)
                }
            }
            output += "\""
        case .number(let text): output += text
        case .bool(let value): output += value ? "true" : "false"
        case .null: output += "null"
        }
    }
}

extension JSONValue {
    /// An object from members in order; lines are not meaningful for built values.
    public static func members(_ pairs: [(String, JSONValue)]) -> JSONValue {
        .object(pairs.map { JSONMember(key: $0.0, node: JSONNode($0.1, line: 0)) })
    }

    /// An array of strings.
    public static func strings(_ values: [String]) -> JSONValue {
        .array(values.map { JSONNode(.string($0), line: 0) })
    }
}
