import ArgumentParser
import Foundation
import RumorCore
import RumorMatch

struct RankCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rank",
        abstract: "Rank a collection of fact-checked claims for each query post; prints a TREC run.",
        discussion: """
            CLAIMS.tsv: id<TAB>claim<TAB>title with a header line (quoted fields allowed). QUERIES.tsv: id<TAB>text with \
            a header line. Prints `qid Q0 docid rank score rumorcontrol` lines on stdout; progress goes to stderr. \
            Score a run with `rumorctl score`. Example (CheckThat! 2021 2A, English dev):

              rumorctl rank --corpus ../shared/data/clef2021-2a-en/CT2021-Task2A-EN-Verified_Claims.txt \\
                --queries ../shared/data/clef2021-2a-en/EN_dev_queries.tsv > dev.run

            With --fit-qrels, searches the fusion weights that give the best MAP@5 on the queries instead, and prints them.
            """)

    @Option(name: .long, help: "The claims to rank (TSV: id, claim, title).")
    var corpus: String

    @Option(name: .long, help: "The query posts (TSV: id, text).")
    var queries: String

    @Option(name: .long, help: "How many claims to print per query.")
    var top = 5

    @Option(name: .long, help: "Threads for embedding the claims.")
    var threads = 2

    @Option(name: .long, help: "Weight of the fact-check title's similarity (default: fitted).")
    var titleWeight: Double?

    @Option(name: .long, help: "Weight of the normalised BM25 score (default: fitted).")
    var lexicalWeight: Double?

    @Option(name: .long, help: "Gold pairs (TREC qrels) to fit the weights on, instead of printing a run.")
    var fitQrels: String?

    @OptionGroup var model: ModelOptions

    func run() async throws {
        let claims = try readTable(corpus, columns: 3).map { ClaimRetriever.Claim(id: $0[0], text: $0[1], title: $0[2]) }
        let queryRows = try readTable(queries, columns: 2)
        let embedder = try model.load()
        var progress = ProgressReporter(noun: "claims embedded")
        let retriever = ClaimRetriever(claims: claims, embedder: embedder, threads: threads) { progress.update($0) }
        progress.finish(claims.count)
        if let fitQrels {
            try fit(retriever, queryRows: queryRows, qrels: readQrels(fitQrels))
            return
        }
        let weights = ClaimRetriever.Weights(
            title: titleWeight ?? ClaimRetriever.Weights.fitted.title, lexical: lexicalWeight ?? ClaimRetriever.Weights.fitted.lexical)
        var ranking = ProgressReporter(noun: "queries ranked")
        var output = ""
        for (index, row) in queryRows.enumerated() {
            for (rank, hit) in retriever.rank(row[1], top: top, weights: weights).enumerated() {
                output += "\(row[0]) Q0 \(claims[hit.claim].id) \(rank + 1) \(String(format: "%.6f", hit.score)) rumorcontrol\n"
            }
            if output.utf8.count > 1 << 16 {
                FileHandle.standardOutput.write(Data(output.utf8))
                output = ""
            }
            ranking.update(index + 1)
        }
        FileHandle.standardOutput.write(Data(output.utf8))
        ranking.finish(queryRows.count)
    }

    /// Grid search over the two weights for the best MAP@5 (ties: the smaller weights).
    private func fit(_ retriever: ClaimRetriever, queryRows: [[String]], qrels: [String: Set<String>]) throws {
        let evidence = queryRows.filter { qrels[$0[0]] != nil }.map { ($0[0], retriever.features($0[1])) }
        var best = (map: -1.0, title: 0.0, lexical: 0.0)
        for titleStep in 0...10 {
            for lexicalStep in 0...20 {
                let title = Double(titleStep) / 10
                let lexical = Double(lexicalStep) / 20
                var total = 0.0
                for (query, candidates) in evidence {
                    var scored: [(claim: Int, score: Double)] = []
                    for candidate in candidates {
                        scored.append((candidate.claim, candidate.cosine + title * candidate.titleCosine + lexical * candidate.lexical))
                    }
                    scored.sort { $0.score > $1.score || ($0.score == $1.score && $0.claim < $1.claim) }
                    let ranked = scored.prefix(5).map { retriever.claims[$0.claim].id }
                    total += RetrievalMetrics.averagePrecision(ranked: ranked, relevant: qrels[query] ?? [], k: 5)
                }
                let map = total / Double(max(1, evidence.count))
                if map > best.map + 1e-12 { best = (map, title, lexical) }
            }
        }
        printOut("title_weight=\(best.title) lexical_weight=\(best.lexical) map@5=\(String(format: "%.4f", best.map)) queries=\(evidence.count)")
    }
}

struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score a TREC run against gold pairs: MAP@k, MRR and P@k.",
        discussion: """
            MAP@k follows the CheckThat! 2021 scorer: for each query, the sum of precision at each relevant rank within k, \
            divided by the number of relevant claims; averaged over queries that have relevant claims.
            """)

    @Option(name: .long, help: "Gold pairs: `qid 0 docid 1` lines (TREC qrels).")
    var qrels: String

    @Option(name: .customLong("run"), help: "The run: `qid Q0 docid rank score tag` lines.")
    var runFile: String

    func run() throws {
        let gold = try readQrels(qrels)
        guard let text = try? String(contentsOfFile: runFile, encoding: .utf8) else { throw Failure.report(ValidationError("cannot read \(runFile)")) }
        var ranked: [String: [(rank: Int, document: String)]] = [:]
        for (number, line) in text.split(separator: "\n").enumerated() {
            let fields = line.split(whereSeparator: \.isWhitespace)
            guard fields.count >= 4, let rank = Int(fields[3]) else {
                throw Failure.report(ValidationError("\(runFile):\(number + 1): expected `qid Q0 docid rank score tag`"))
            }
            ranked[String(fields[0]), default: []].append((rank, String(fields[2])))
        }
        let runs = ranked.mapValues { $0.sorted { $0.rank < $1.rank }.map(\.document) }
        let rows = RetrievalMetrics.summary(runs: runs, qrels: gold)
        for row in rows { printOut("\(row.name.padding(toLength: 7, withPad: " ", startingAt: 0)) \(String(format: "%.4f", row.value))") }
        printOut(rows.map { "\($0.name.lowercased())=\(String(format: "%.4f", $0.value))" }.joined(separator: " "))
    }
}

/// Reads a TSV with a header line, checking that each row has at least `columns` fields.
func readTable(_ path: String, columns: Int) throws -> [[String]] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        throw Failure.report(ValidationError("cannot read \(path) as UTF-8 text"))
    }
    let rows = DelimitedText.rows(text).dropFirst()
    for (number, row) in rows.enumerated() where row.count < columns {
        throw Failure.report(ValidationError("\(path): row \(number + 2) has \(row.count) fields; expected \(columns)"))
    }
    return Array(rows)
}

/// Reads TREC qrels: `qid 0 docid relevance`; relevance above 0 counts.
func readQrels(_ path: String) throws -> [String: Set<String>] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw Failure.report(ValidationError("cannot read \(path)")) }
    var qrels: [String: Set<String>] = [:]
    for (number, line) in text.split(separator: "\n").enumerated() {
        let fields = line.split(whereSeparator: \.isWhitespace)
        guard fields.count >= 4, let relevance = Int(fields[3]) else {
            throw Failure.report(ValidationError("\(path):\(number + 1): expected `qid 0 docid relevance`"))
        }
        if relevance > 0 { qrels[String(fields[0]), default: []].insert(String(fields[2])) }
    }
    return qrels
}
