import ArgumentParser
import Foundation
import RumorCore
import RumorMatch
import RumorStore

/// Options of every command that runs the matcher.
struct MatcherOptions: ParsableArguments {
    @OptionGroup var databaseOptions: DatabaseOptions
    @OptionGroup var modelOptions: ModelOptions

    @Option(name: .long, help: "Scores at or above this attach the label (0-1; default from the fitted model, or $RUMORCONTROL_LABEL_THRESHOLD).")
    var labelThreshold: Double?

    @Option(name: .long, help: "Scores at or above this go to review (0-1; default from the fitted model, or $RUMORCONTROL_REVIEW_THRESHOLD).")
    var reviewThreshold: Double?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Posts whose gate log-odds are below this leave before the encoder (default from the fitted model, or $RUMORCONTROL_GATE_THRESHOLD).",
            discussion:
                "Higher is faster on a general stream and may miss more claims; -100 lets every post through. Write negative values after an equals sign: --gate-threshold=-2.5. See docs/matcher.md.",
            valueName: "log-odds"))
    var gateThreshold: Double?

    @Flag(
        name: .long,
        help: ArgumentHelp(
            "Send every post that passes the gate through the encoder, skipping the quick stage.",
            discussion: "Slower on election-heavy streams; for comparing the two (see docs/matcher.md)."))
    var noQuickStage = false

    @Option(name: .long, help: "A matcher model written by `rumorctl fit` to use instead of the shipped one.")
    var matcherModel: String?

    @Option(name: .long, help: "The site labels link to (default $RUMORCONTROL_SITE_URL or http://127.0.0.1:8080).")
    var siteURL: String?

    @Flag(
        name: .long,
        help: ArgumentHelp(
            "Verify each label of an English post with the shipped cross-encoder (slow: see docs/matcher.md).",
            discussion: "The verification stage reads each label's post together with the entry's rumor and sends the label to review when the post does not assert it. It labels fewer refutations but reads a few dozen posts a second on one core instead of hundreds, so it is off unless asked for."))
    var verify = false

    @Option(name: .long, help: "A verifier written by scripts/fit_verifier.py to use instead of the shipped one (turns --verify on).")
    var verifier: String?

    @Option(name: .long, help: "A label goes to review when the verifier's probability that the post asserts the rumor is below this (0-1; default from the verifier file).")
    var verifierVetoBelow: Double?

    @Option(name: .long, help: "A review item is labelled when the verifier's probability that the post asserts the rumor is at least this (0-1, or above 1 for never; default from the verifier file).")
    var verifierPromoteFrom: Double?

    func validate() throws {
        for value in [labelThreshold, reviewThreshold, verifierVetoBelow].compactMap({ $0 }) where !(0...1).contains(value) {
            throw ValidationError("Thresholds are scores between 0 and 1.")
        }
        if let gateThreshold, !gateThreshold.isFinite { throw ValidationError("The gate threshold is a finite log-odds, such as -2.7.") }
    }

    /// The matcher's fitted model, with any threshold overrides applied.
    func model() throws -> MatcherModel {
        let environment = ProcessInfo.processInfo.environment
        do {
            var model: MatcherModel
            if let matcherModel {
                guard let data = FileManager.default.contents(atPath: matcherModel) else {
                    throw ValidationError("cannot read the matcher model \(matcherModel)")
                }
                model = try MatcherModel.load(data, source: matcherModel)
            } else {
                model = try MatcherModel.shipped()
            }
            model = model.withThresholds(
                label: labelThreshold ?? environment["RUMORCONTROL_LABEL_THRESHOLD"].flatMap(Double.init),
                review: reviewThreshold ?? environment["RUMORCONTROL_REVIEW_THRESHOLD"].flatMap(Double.init))
            if noQuickStage { model.quick = nil }
            if let value = gateThreshold ?? environment["RUMORCONTROL_GATE_THRESHOLD"].flatMap(Double.init), value.isFinite {
                model.gate.threshold = value
            }
            return model
        } catch {
            throw Failure.report(error)
        }
    }

    /// Builds the matcher over the published entries of the database.
    /// - Parameter allowingVerifier: false where the verification stage must stay off whatever the options say (fitting the scorer needs none).
    func makeMatcher(model: MatcherModel? = nil, allowingVerifier: Bool = true) async throws -> RumorMatcher {
        let model = try model ?? self.model()
        // Posts are embedded as the model's fitting posts were.
        let embedder = try modelOptions.load(precision: model.encoderPrecision)
        let store = try await databaseOptions.openStore()
        let entries: [Entry]
        do {
            entries = try await store.entries(status: .published)
        } catch {
            throw Failure.report(error)
        }
        let site = siteURL ?? ProcessInfo.processInfo.environment["RUMORCONTROL_SITE_URL"]
        return RumorMatcher(
            entries: entries, embedder: embedder, configuration: .init(model: model, siteURL: site),
            multilingual: modelOptions.loadMultilingual(precision: model.encoderPrecision), verifier: allowingVerifier ? loadVerifier(embedder: embedder) : nil)
    }

    /// Whether the verification stage was asked for, by `--verify` or `--verifier FILE`.
    var verifying: Bool { verify || verifier != nil }

    /// Loads the verification stage when it was asked for, or nil: when it was not, or (with a warning on stderr saying
    /// why and what to do) when its file is missing or damaged. The matcher then labels on the scorer alone.
    func loadVerifier(embedder: SentenceEmbedder) -> PairVerifier? {
        let reading = verifierReading(embedder: embedder)
        if let reason = reading.offReason, verifying {
            FileHandle.standardError.write(Data("warning: labels are not verified (the scorer alone decides): \(reason)\n".utf8))
        }
        return reading.verifier
    }

    /// Loads the verification stage without printing anything: the verifier, or why there is none.
    func verifierReading(embedder: SentenceEmbedder) -> (verifier: PairVerifier?, offReason: String?) {
        guard verifying else { return (nil, "not asked for (--verify turns it on)") }
        do {
            return (try PairVerifier(path: verifier, embedder: embedder, vetoBelow: verifierVetoBelow, promoteFrom: verifierPromoteFrom), nil)
        } catch {
            return (nil, "\(error)")
        }
    }
}

/// The option of every command that clusters posts for the emerging-rumors view.
struct ClusteringOptions: ParsableArguments {
    @Option(name: .long, help: "A clustering model written by `rumorctl fit-clustering` to use instead of the shipped one.")
    var clusteringModel: String?

    /// The model given, or the shipped one.
    func model() throws -> ClusteringModel {
        do {
            guard let clusteringModel else { return try ClusteringModel.shipped() }
            guard let data = FileManager.default.contents(atPath: clusteringModel) else {
                throw ValidationError("cannot read the clustering model \(clusteringModel)")
            }
            return try ClusteringModel.load(data, source: clusteringModel)
        } catch {
            throw Failure.report(error)
        }
    }
}

/// Reads labelled posts (`{"id", "text", "claims", "kind"}` per line).
func readLabelledPosts(_ path: String) throws -> [LabelledPost] {
    var reader = try JSONLinesReader(path: path)
    var posts: [LabelledPost] = []
    var problems: [String] = []
    while let line = reader.next() {
        switch PostLine.parse(line) {
        case .failure(let error): problems.append("\(path):\(error.line): \(error.message)")
        case .success(let post):
            guard case .success(let node) = line.value else { continue }
            var claims: Set<String> = []
            if case .array(let items) = node["claims"]?.value {
                for item in items { if case .string(let slug) = item.value { claims.insert(slug) } }
            } else {
                problems.append("\(path):\(line.number): \"claims\" is missing or not an array of slugs")
            }
            var kind = "claim"
            if case .string(let value) = node["kind"]?.value { kind = value }
            let id: String
            if case .string(let value) = post.id { id = value } else { id = post.id.serialized(pretty: false) }
            posts.append(LabelledPost(id: id, text: post.text, claims: claims, kind: kind))
        }
    }
    guard problems.isEmpty else {
        problems.forEach(Failure.printError)
        throw Failure.badInput
    }
    return posts
}
