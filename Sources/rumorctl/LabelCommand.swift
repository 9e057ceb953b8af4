import ArgumentParser
import Foundation
import RumorCore
import RumorMatch
import RumorStore

struct LabelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "label",
        abstract: "Flag posts that assert a known disputed claim.",
        discussion: """
            rumorctl label "TEXT" prints the labels for one post for people; with --json, one JSON object \
            {"labels": [...], "review": [...]}.

            rumorctl label --input POSTS.jsonl reads lines {"id": ..., "text": ...} (- for standard input) and writes, \
            in order, one line per post: {"id": ..., "labels": [...], "review": [...]}. It streams in constant memory. \
            A line that is not a post gets {"id": ..., "error": "..."} and the rest go on; the exit status is then 2.

            A label is {slug, rumor, reality, url, label_text, score, decision, span: {start, end, text}}; span offsets \
            count Unicode scalars of the post's text. Labels have scores at or above the label threshold; review items \
            lie between the review and label thresholds.
            """)

    @Argument(help: "A post's text (instead of --input).")
    var text: String?

    @Option(name: .long, help: "A JSON Lines file of posts, or - for standard input.")
    var input: String?

    @Flag(name: .long, help: "Print JSON (for a TEXT argument).")
    var json = false

    @Flag(name: .long, help: "Also show the evidence (features and score) for every candidate entry (for a TEXT argument).")
    var explain = false

    @Flag(
        name: .long,
        help: ArgumentHelp(
            "Keep the posts sent to review (and election posts that match no entry) in the database's moderation queue.",
            discussion: "A moderator decides them at /desk; unmatched posts feed /desk/emerging. Their texts are deleted after the server's retention limit."))
    var queue = false

    @OptionGroup var matcherOptions: MatcherOptions

    func validate() throws {
        if (text == nil) == (input == nil) { throw ValidationError("Give either a TEXT or --input FILE.") }
    }

    func run() async throws {
        let matcher = try await matcherOptions.makeMatcher()
        let store = queue ? try await matcherOptions.databaseOptions.openStore() : nil
        /// Labels posts and, with --queue, stores what the desk keeps.
        func label(_ posts: [PostLine]) async throws -> [MatchResult] {
            let texts = posts.map(\.text)
            guard let store else { return matcher.match(texts) }
            let (decided, submissions) = matcher.matchForQueue(texts, origins: posts.map { PostOrigin(externalID: $0.externalID, url: $0.url, caller: "rumorctl") })
            if !submissions.isEmpty {
                do {
                    _ = try await store.enqueue(submissions)
                } catch {
                    throw Failure.report(error)
                }
            }
            return decided.map(\.result)
        }
        if let text {
            let result = try await label([PostLine(number: 1, id: .null, text: text)])[0]
            printOut(json ? result.jsonText : Self.humanReadable(result))
            if explain { printOut(Self.explanation(matcher, text)) }
            return
        }
        var reader = try JSONLinesReader(path: input ?? "-")
        var progress = ProgressReporter(noun: "posts labelled")
        var count = 0
        var badLines = 0
        // Posts are labelled in small chunks (their segments share encoder passes); output stays in input order and
        // memory stays bounded by the chunk.
        var chunk: [Result<PostLine, PostLineError>] = []
        func flush() async throws {
            let posts = chunk.compactMap { try? $0.get() }
            var results = try await label(posts).makeIterator()
            var output = ""
            for line in chunk {
                switch line {
                case .success(let post): output += (results.next() ?? .none).jsonLine(id: post.id) + "\n"
                case .failure(let error): output += error.jsonLine + "\n"
                }
            }
            // One write per chunk of whole lines: a killed run leaves only whole lines.
            FileHandle.standardOutput.write(Data(output.utf8))
            count += chunk.count
            progress.update(count)
            chunk.removeAll(keepingCapacity: true)
        }
        while let line = reader.next() {
            let post = PostLine.parse(line)
            if case .failure = post { badLines += 1 }
            chunk.append(post)
            if chunk.count >= Self.chunkSize { try await flush() }
        }
        try await flush()
        progress.finish(count)
        if badLines > 0 { throw Failure.badInput }
    }

    /// Posts labelled together by `--input`.
    static let chunkSize = 16

    static func explanation(_ matcher: RumorMatcher, _ text: String) -> String {
        let candidates = matcher.candidates(text).1
        let gate =
            "gate log-odds \(String(format: "%.2f", matcher.gateLogOdds(text))) (threshold \(String(format: "%.2f", matcher.configuration.model.gate.threshold)))"
        guard !candidates.isEmpty else { return "\nNo candidate: the post reads like no claim about the knowledge base's rumors; \(gate)." }
        let model = matcher.configuration.model
        let decidedBy =
            if let quick = model.quick, matcher.matchWithStages([text])[0].stage == .quick {
                "decided by the quick stage (per-token vectors; sure of every candidate: below \(quick.dropBelow) or at least \(quick.labelAbove), \(quick.labelAboveWithDenialCue) with a denial cue), whose scores the labels show"
            } else {
                "decided by the encoder (\(model.encoderPrecision.rawValue)) and the full model, whose scores follow"
            }
        var lines = ["", gate, decidedBy, "candidates (score, then features):"]
        for candidate in candidates.sorted(by: { model.scorer.probability($0.features.values) > model.scorer.probability($1.features.values) })
            .prefix(5)
        {
            lines.append(
                "  \(candidate.entry.slug)  score \(String(format: "%.3f", model.scorer.probability(candidate.features.values)))  segment \"\(candidate.segment.text)\""
            )
            let pairs = zip(MatchFeatures.names, candidate.features.values).map { "\($0)=\(String(format: "%.2f", $1))" }
            lines.append("    " + pairs.joined(separator: " "))
        }
        return lines.joined(separator: "\n")
    }

    static func humanReadable(_ result: MatchResult) -> String {
        if result.labels.isEmpty && result.review.isEmpty { return "No known disputed claim found." }
        var lines: [String] = []
        for label in result.labels + result.review {
            lines.append("\(label.decision == .label ? "LABEL " : "REVIEW") \(label.slug)  (score \(String(format: "%.2f", label.score)))")
            lines.append("  \(label.labelText) \(label.url)")
            lines.append("  matched: \"\(label.span.text)\" [\(label.span.start)..<\(label.span.end)]")
            lines.append("  reality: \(label.reality)")
        }
        return lines.joined(separator: "\n")
    }
}

struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure the matcher on labelled posts: precision, recall, F1 and flag rates.",
        discussion: """
            POSTS is JSON Lines with {"id", "text", "claims": [slugs], "kind"}; kind is claim, multi, refutation, trap, \
            neutral or offtopic. Prints flag rates per kind, a per-slug table, and a last line \
            `precision=P recall=R f1=F refutation_flag_rate=X clean_flag_rate=Y` (clean: traps, neutral and off-topic).
            """)

    @Option(name: .long, help: "Labelled posts (JSON Lines).")
    var posts: String

    @Flag(name: .long, help: "Also list every post that was labelled wrongly or missed.")
    var errors = false

    @OptionGroup var matcherOptions: MatcherOptions

    func run() async throws {
        let labelled = try readLabelledPosts(posts)
        let matcher = try await matcherOptions.makeMatcher()
        var evaluation = MatchEvaluation()
        var progress = ProgressReporter(noun: "posts")
        for (index, post) in labelled.enumerated() {
            evaluation.add(post, result: matcher.match(post.text))
            progress.update(index + 1)
        }
        progress.finish(labelled.count)
        if errors {
            for outcome in evaluation.outcomes where outcome.predicted != outcome.post.claims {
                let extra = outcome.predicted.subtracting(outcome.post.claims).sorted()
                let missed = outcome.post.claims.subtracting(outcome.predicted).sorted()
                printOut(
                    "\(outcome.post.id) [\(outcome.post.kind)] wrong: \(extra) missed: \(missed) review: \(outcome.reviewed.sorted())\n    \(outcome.post.text.prefix(160))"
                )
            }
            printOut("")
        }
        printOut(evaluation.report)
    }
}

struct FitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit the matcher's scoring model and thresholds on labelled posts.",
        discussion: """
            Writes the model as JSON (to --output, or stdout), and notes on the fit to stderr: its stages, an \
            out-of-fold estimate of precision and recall, what the gate lets through, and the quick stage's bounds. \
            Takes about twenty minutes for about 3,000 posts on two cores (--no-quick-stage: about half that, and a \
            model without the quick stage). Posts are embedded with the encoder in 8 bits, or in float32 when \
            RUMORCONTROL_ENCODER_PRECISION=float32; the model records which, and is always run that way. The shipped model, Sources/RumorMatch/Resources/matcher-model.json, is made by \
            scripts/fit-shipped-models.sh (every training batch and the dev posts), and its provenance records the command.
            """)

    @Option(name: .long, help: "Labelled posts to fit on (JSON Lines, as for eval); repeat to fit on several files.")
    var train: [String]

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Posts from a general stream that assert none of the rumors, for the gate (JSON Lines with \"text\", or a TSV whose second column is the text); repeatable.",
            valueName: "posts"))
    var background: [String] = []

    @Option(name: .long, help: "Where to write the model (default: stdout).")
    var output: String?

    @OptionGroup var matcherOptions: MatcherOptions

    func run() async throws {
        let posts = try train.flatMap(readLabelledPosts)
        var backgroundTexts: [String] = []
        for file in background {
            let texts = try readPostTexts(file)
            if texts.isEmpty {
                FileHandle.standardError.write(
                    Data("warning: \(file) holds no posts; the gate learns the general stream from --background posts\n".utf8))
            }
            backgroundTexts += texts
        }
        let placeholder = MatcherModel(
            scorer: BoostedTrees(names: MatchFeatures.names, base: 0, trees: [], parameters: .init()),
            stance: StanceModel(ngramWeights: [:], embeddingWeights: [], bias: 0), exemplars: .empty, labelThreshold: 0.5, reviewThreshold: 0.3,
            gate: .open, provenance: "")
        let matcher = try await matcherOptions.makeMatcher(model: placeholder, allowingVerifier: false)
        let name = train.map { ($0 as NSString).lastPathComponent }.joined(separator: " --train ")
        let model = MatcherFitting.fit(
            matcher: matcher, posts: posts, background: backgroundTexts,
            provenance: "rumorctl fit --train \(name)" + background.map { " --background " + ($0 as NSString).lastPathComponent }.joined()
                + " (\(posts.count) posts, \(backgroundTexts.count) background posts, \(matcher.entries.count) entries)",
            quickStage: !matcherOptions.noQuickStage
        ) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        if let output {
            do {
                try model.json().write(to: URL(fileURLWithPath: output), options: .atomic)
            } catch {
                throw Failure.report(error)
            }
        } else {
            FileHandle.standardOutput.write(model.json())
        }
        FileHandle.standardError.write(
            Data(
                "label threshold \(model.labelThreshold), review threshold \(model.reviewThreshold), gate \(String(format: "%.2f", model.gate.threshold)) (log-odds), encoder precision \(model.encoderPrecision.rawValue)\n"
                    .utf8))
    }
}
