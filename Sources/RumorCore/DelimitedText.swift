/// Tab-separated values as the CheckThat! files write them: a header line, tab-separated fields, and fields that
/// may be wrapped in double quotes (with `""` for a quote inside; a quoted field may hold tabs and line breaks).
public enum DelimitedText {
    /// The rows of a TSV text, header included.
    public static func rows(_ text: String, separator: Character = "\t") -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var atFieldStart = true
        var characters = text.makeIterator()
        var pending: Character? = nil
        while let character = pending ?? characters.next() {
            pending = nil
            if quoted {
                if character == "\"" {
                    let next = characters.next()
                    if next == "\"" {
                        field.append("\"")
                    } else {
                        quoted = false
                        pending = next
                    }
                } else {
                    field.append(character)
                }
                continue
            }
            switch character {
            case "\"" where atFieldStart:
                quoted = true
                atFieldStart = false
            case separator:
                row.append(field)
                field = ""
                atFieldStart = true
            case "\n", "\r\n":
                row.append(field)
                rows.append(row)
                row = []
                field = ""
                atFieldStart = true
            default:
                field.append(character)
                atFieldStart = false
            }
        }
        if !field.isEmpty || !row.isEmpty {
            row.append(field)
            rows.append(row)
        }
        return rows.filter { !($0.count == 1 && $0[0].isEmpty) }
    }
}
