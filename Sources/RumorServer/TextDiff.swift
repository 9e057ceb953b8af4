/// A line diff (longest common subsequence), for comparing versions of an entry.
enum TextDiff {
    /// One line of the comparison.
    enum Line: Equatable {
        case same(String)
        case removed(String)
        case added(String)
    }

    /// The lines of `old` and `new`, aligned.
    static func lines(_ old: [String], _ new: [String]) -> [Line] {
        var lengths = [[Int]](repeating: [Int](repeating: 0, count: new.count + 1), count: old.count + 1)
        for i in stride(from: old.count - 1, through: 0, by: -1) {
            for j in stride(from: new.count - 1, through: 0, by: -1) {
                lengths[i][j] = old[i] == new[j] ? lengths[i + 1][j + 1] + 1 : max(lengths[i + 1][j], lengths[i][j + 1])
            }
        }
        var result: [Line] = []
        var (i, j) = (0, 0)
        while i < old.count || j < new.count {
            if i < old.count, j < new.count, old[i] == new[j] {
                result.append(.same(old[i]))
                i += 1
                j += 1
            } else if j < new.count, i == old.count || lengths[i][j + 1] >= lengths[i + 1][j] {
                result.append(.added(new[j]))
                j += 1
            } else {
                result.append(.removed(old[i]))
                i += 1
            }
        }
        return result
    }

    /// The comparison as escaped HTML: removed lines in `<del>`, added ones in `<ins>`.
    static func html(_ old: String, _ new: String) -> String {
        lines(old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init), new.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
            .map { line in
                switch line {
                case .same(let text): "  " + HTMLText.escape(text) + "\n"
                case .removed(let text): "<del>− " + HTMLText.escape(text) + "</del>"
                case .added(let text): "<ins>+ " + HTMLText.escape(text) + "</ins>"
                }
            }.joined()
    }
}
