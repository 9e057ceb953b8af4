import ArgumentParser
import Foundation
import RumorCore
import RumorMatch

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure RumorControl's speed on this machine.",
        subcommands: [BenchEmbedCommand.self, BenchLabelCommand.self, BenchLogCommand.self, BenchStoreCommand.self, BenchWitnessCommand.self, BenchClusterCommand.self])
}

struct BenchEmbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Sentences per second of the embedder at batch 1 and 32, on 1 and 2 threads, and batch-1 latency.",
        discussion: """
            Embeds every post of the file (tokenisation included) several times per configuration after a warm-up \
            and reports the median. With --json, prints one JSON line per configuration on stdout (the same fields as \
            scripts/bench_embed_peers.py, so scripts/bench-embed.sh can put both in one table); the table goes to stderr.
            """)

    @Option(name: .long, help: "Posts to embed (JSON Lines with \"text\").")
    var posts = "../shared/eval/dev-posts.jsonl"

    @Option(name: .long, help: "Timed repetitions per configuration.")
    var repetitions = 5

    @Option(name: .long, parsing: .upToNextOption, help: "Batch sizes.")
    var batches: [Int] = [1, 32]

    @Option(name: .long, parsing: .upToNextOption, help: "Thread counts.")
    var threads: [Int] = [1, 2]

    @Option(
        name: .long, parsing: .upToNextOption,
        help: ArgumentHelp("Encoder precisions to compare (float32, int8), each configuration run in each in turn.", valueName: "precision"))
    var precisions: [SentenceEmbedder.Precision] = SentenceEmbedder.Precision.allCases

    @Flag(name: .long, help: "Print JSON lines on stdout.")
    var json = false

    @OptionGroup var model: ModelOptions

    func run() async throws {
        let embedders = try precisions.map { try model.load(precision: $0) }
        guard let embedder = embedders.first else { throw Failure.report(ValidationError("Name at least one precision.")) }
        var reader = try JSONLinesReader(path: posts)
        var texts: [String] = []
        while let line = reader.next() {
            if case .success(let post) = PostLine.parse(line) { texts.append(post.text) }
        }
        guard !texts.isEmpty else { throw Failure.report(ValidationError("\(posts) holds no posts")) }
        let tokens = texts.map { embedder.tokenizer.tokenize($0).count }
        var table =
            "rumorcontrol embedder: \(texts.count) posts, \(String(format: "%.1f", Double(tokens.reduce(0, +)) / Double(tokens.count))) tokens on average\n"
        table += "engine                threads  batch  sentences/s  p50 ms  p99 ms\n"
        for threadCount in threads {
            for batch in batches {
                for embedder in embedders {
                    measure(embedder, texts, threads: threadCount, batch: batch, table: &table)
                }
            }
        }
        table += "peak resident memory: \(peakResidentMegabytes()) MB\n"
        FileHandle.standardError.write(Data(table.utf8))
    }

    /// Times one configuration, adds its line to `table` and prints its JSON line when asked.
    private func measure(_ embedder: SentenceEmbedder, _ texts: [String], threads threadCount: Int, batch: Int, table: inout String) {
        let engine = "rumorcontrol-\(embedder.precision.rawValue)"
        _ = embedder.embed(texts, batchSize: batch, threads: threadCount)
        var rates: [Double] = []
        for _ in 0..<max(1, repetitions) {
            let start = DispatchTime.now()
            _ = embedder.embed(texts, batchSize: batch, threads: threadCount)
            rates.append(Double(texts.count) / Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) * 1e9)
        }
        var latencies: [Double] = []
        if batch == 1 {
            for text in texts {
                let start = DispatchTime.now()
                _ = embedder.embed(text)
                latencies.append(Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6)
            }
            latencies.sort()
        }
        let rate = median(rates)
        let p50 = latencies.isEmpty ? nil : percentile(latencies, 0.50)
        let p99 = latencies.isEmpty ? nil : percentile(latencies, 0.99)
        table +=
            "\(engine.padding(toLength: 20, withPad: " ", startingAt: 0))  \(pad(threadCount, 7))  \(pad(batch, 5))  \(pad(Int(rate.rounded()), 11))  \(p50.map { String(format: "%6.2f", $0) } ?? "     -")  \(p99.map { String(format: "%6.2f", $0) } ?? "     -")\n"
        if json {
            let fields = [
                "\"engine\":\"\(engine)\"", "\"threads\":\(threadCount)", "\"batch\":\(batch)",
                "\"sentences_per_s\":\(String(format: "%.1f", rate))",
                "\"p50_ms\":\(p50.map { String(format: "%.3f", $0) } ?? "null")",
                "\"p99_ms\":\(p99.map { String(format: "%.3f", $0) } ?? "null")",
                "\"repetitions\":\(repetitions)",
            ]
            printOut("{" + fields.joined(separator: ",") + "}")
        }
    }

    private func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: " ", count: max(0, width - text.count)) + text
    }
}

struct BenchLabelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "label",
        abstract: "Posts per second and latency per post of the matcher on one core.",
        discussion: """
            Labels every post of each file once as a warm-up, then again while timing each post. Files are JSON Lines \
            with "text", or TSV (id<TAB>text, a header line) such as the CheckThat! query files. Reports posts/s, p50 and \
            p99 latency per post, the share of posts that left at the gate, the share the quick stage decided (both \
            before the encoder), posts/s when labelled in chunks as `label --input` does, and the verification stage's \
            share of that time with --verify (the same chunks labelled again without it; 0 without --verify).
            """)

    @Argument(help: "Files of posts.")
    var files: [String]

    @OptionGroup var matcherOptions: MatcherOptions

    func run() async throws {
        let matcher = try await matcherOptions.makeMatcher()
        var unverified = matcher
        unverified.verifier = nil
        var table =
            "file                               posts  posts/s  p50 ms  p99 ms  gated  quick  posts/s in chunks of \(LabelCommand.chunkSize)  verifier\n"
        for file in files {
            let texts = try readPostTexts(file)
            // The warm-up pass also notes which stage decided each post.
            let stages = texts.map { matcher.matchWithStages([$0])[0].stage }
            var latencies: [Double] = []
            let start = DispatchTime.now()
            for text in texts {
                let begin = DispatchTime.now()
                _ = matcher.match(text)
                latencies.append(Double(DispatchTime.now().uptimeNanoseconds - begin.uptimeNanoseconds) / 1e6)
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            func chunked(_ matcher: RumorMatcher) -> Double {
                let chunkStart = DispatchTime.now()
                for from in stride(from: 0, to: texts.count, by: LabelCommand.chunkSize) {
                    _ = matcher.match(Array(texts[from..<min(from + LabelCommand.chunkSize, texts.count)]))
                }
                return Double(DispatchTime.now().uptimeNanoseconds - chunkStart.uptimeNanoseconds) / 1e9
            }
            let chunkSeconds = chunked(matcher)
            let verifierShare = matcher.verifier == nil ? 0 : max(0, 1 - chunked(unverified) / chunkSeconds)
            let gated = stages.filter { $0 == .gate }.count
            let quick = stages.filter { $0 == .quick }.count
            latencies.sort()
            let name = (file as NSString).lastPathComponent.padding(toLength: 33, withPad: " ", startingAt: 0)
            table +=
                "\(name)  \(String(format: "%5d  %7.0f  %6.2f  %6.2f  %4.0f%%  %4.0f%%", texts.count, Double(texts.count) / seconds, percentile(latencies, 0.5), percentile(latencies, 0.99), 100 * Double(gated) / Double(max(1, texts.count)), 100 * Double(quick) / Double(max(1, texts.count))))  \(String(format: "%7.0f", Double(texts.count) / chunkSeconds))                 \(String(format: "%4.0f%%", 100 * verifierShare))\n"
        }
        printOut(table)
    }
}

/// Seconds since `start`.
func seconds(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}

/// The median of some numbers.
func median(_ values: [Double]) -> Double {
    percentile(values.sorted(), 0.5)
}

/// A percentile of sorted numbers (nearest rank).
func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    let rank = Int((Double(sorted.count) * fraction).rounded(.up))
    return sorted[min(max(rank - 1, 0), sorted.count - 1)]
}

/// This process's peak resident memory in MB (VmHWM), or 0 where /proc is not available.
func peakResidentMegabytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
        let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
    else { return 0 }
    return kilobytes / 1024
}

extension SentenceEmbedder.Precision: ExpressibleByArgument {}
