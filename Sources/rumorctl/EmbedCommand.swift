import ArgumentParser
import Foundation
import RumorCore
import RumorMatch

struct EmbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Print the sentence embedding (all-MiniLM-L6-v2) of a text or of each post in a JSON Lines file.",
        discussion: """
            Prints one JSON line per text: {"id": ..., "tokens": [ids...], "vector": [384 floats]} (no id for a TEXT \
            argument). The model must be in place first: run scripts/fetch-model.sh once. A line of the input that \
            is not {"id": ..., "text": "..."} is reported on stderr with its line number and skipped; the exit \
            status is then 2.
            """)

    @Argument(help: "A text to embed (instead of --input).")
    var text: String?

    @Option(name: .long, help: "A JSON Lines file of posts ({\"id\", \"text\"} per line), or - for standard input.")
    var input: String?

    @OptionGroup var model: ModelOptions

    @Option(name: .long, help: "Posts per encoder batch.")
    var batchSize = 32

    @Option(name: .long, help: "Threads.")
    var threads = 1

    func validate() throws {
        if (text == nil) == (input == nil) { throw ValidationError("Give either a TEXT or --input FILE.") }
        if batchSize < 1 || threads < 1 { throw ValidationError("--batch-size and --threads must be at least 1.") }
    }

    func run() async throws {
        let embedder = try model.load()
        if let text {
            printOut(Self.line(id: nil, tokens: embedder.tokenizer.tokenize(text), vector: embedder.embed(text)))
            return
        }
        var reader = try JSONLinesReader(path: input ?? "-")
        var pending: [PostLine] = []
        var badLines = 0
        var done = 0
        var progress = ProgressReporter(noun: "posts embedded")
        func flush() {
            let tokens = pending.map { embedder.tokenizer.tokenize($0.text) }
            let vectors = embedder.embed(tokenized: tokens, batchSize: batchSize, threads: threads)
            var output = ""
            for (post, (ids, vector)) in zip(pending, zip(tokens, vectors)) { output += Self.line(id: post.id, tokens: ids, vector: vector) + "\n" }
            FileHandle.standardOutput.write(Data(output.utf8))
            done += pending.count
            progress.update(done)
            pending.removeAll(keepingCapacity: true)
        }
        while let line = reader.next() {
            switch PostLine.parse(line) {
            case .success(let post):
                pending.append(post)
                if pending.count >= batchSize * threads * 4 { flush() }
            case .failure(let error):
                badLines += 1
                Failure.printError("\(input ?? "-"):\(error.line): \(error.message)")
            }
        }
        flush()
        progress.finish(done)
        if badLines > 0 { throw Failure.badInput }
    }

    static func line(id: JSONValue?, tokens: [Int32], vector: [Float]) -> String {
        let idPart = id.map { "\"id\":" + $0.serialized(pretty: false) + "," } ?? ""
        return "{" + idPart + "\"tokens\":[" + tokens.map(String.init).joined(separator: ",") + "],\"vector\":["
            + vector.map { "\($0)" }.joined(separator: ",") + "]}"
    }
}

/// The `--model-dir` option of every command that needs the embedding model.
struct ModelOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The folder holding the all-MiniLM-L6-v2 files.",
            discussion: "Defaults to $RUMORCONTROL_MODEL_DIR, else ~/.cache/rumorcontrol/all-MiniLM-L6-v2 (where scripts/fetch-model.sh puts it).",
            valueName: "path"))
    var modelDir: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The folder holding the multilingual model (e5-small-q4.bin), which reads posts in Spanish against entries in English.",
            discussion:
                "Defaults to $RUMORCONTROL_MULTILINGUAL_MODEL_DIR, else ~/.cache/rumorcontrol/multilingual-e5-small (where scripts/fetch-model.sh puts it). Without it the matcher reads every post with the English model alone, and says so.",
            valueName: "path"))
    var multilingualModelDir: String?

    @Flag(name: .long, help: "Read every post with the English model alone, even when the multilingual model is there (to compare the two).")
    var noCrossLingual = false

    /// Loads the multilingual model, or nil (with a warning on stderr saying why and what to do) when it is missing
    /// or damaged, or `--no-cross-lingual` is given: the matcher then reads every post with the English model alone.
    func loadMultilingual(precision: SentenceEmbedder.Precision = .standard) -> MultilingualEmbedder? {
        let reading = multilingualReading(precision: precision)
        if let reason = reading.offReason, !noCrossLingual {
            FileHandle.standardError.write(Data("warning: posts in Spanish are read with the English model alone: \(reason)\n".utf8))
        }
        return reading.embedder
    }

    /// Loads the multilingual model without printing anything: the embedder, or why there is none.
    func multilingualReading(precision: SentenceEmbedder.Precision = .standard) -> (embedder: MultilingualEmbedder?, offReason: String?) {
        guard !noCrossLingual else { return (nil, "--no-cross-lingual was given") }
        do {
            return (try MultilingualEmbedder(modelDirectory: multilingualModelDir, precision: precision), nil)
        } catch {
            return (nil, "\(error)")
        }
    }

    /// Loads the model, reporting a missing or damaged one as exit status 1.
    /// - Parameter precision: how the encoder multiplies (default: ``SentenceEmbedder/Precision/standard``).
    func load(precision: SentenceEmbedder.Precision = .standard) throws -> SentenceEmbedder {
        do {
            return try SentenceEmbedder(modelDirectory: modelDir, precision: precision)
        } catch {
            throw Failure.report(error)
        }
    }
}
