import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RumorCore
import RumorLedger

/// The public log, read-only, as C2SP tlog-tiles under `/log/`, plus each entry version's receipt.
struct LogRoutes {
    let log: PublicLog
    let site: SiteState
    /// The witnesses asked to cosign, when any are configured (the page lists them).
    var witnesses: WitnessCosigner? = nil

    func add(to router: Router<SiteRequestContext>) {
        router.route("/log", [.get: { _, _ in html(site.renderer.render(LogPageView(chrome: site.chrome(), origin: log.origin, key: log.verifierKey, base: site.configuration.baseURL, witnesses: witnessRows, quorum: witnesses?.quorum ?? 0), template: "log")) }])
        router.route("/log/key", [.get: { _, _ in text(log.verifierKey + "\n", cache: "public, max-age=3600") }])
        router.route("/log/checkpoint", [.get: { _, _ in try await text(checkpoint(), cache: "no-cache") }])
        router.route("/log/tile/**", [.get: tile])
        router.route("/rumors/{slug}/versions/{version}/receipt", [.get: receipt])
        router.route("/rumors/{slug}/versions/{version}/record", [.get: record])
    }

    /// One row per configured witness for the page: its name, key and the latest size it cosigned.
    private var witnessRows: [LogPageView.WitnessRow] {
        guard let witnesses else { return [] }
        let statuses = Dictionary(uniqueKeysWithValues: witnesses.current.map { ($0.name, $0) })
        return witnesses.endpoints.map { endpoint in
            let status = statuses[endpoint.verifier.name]
            return LogPageView.WitnessRow(
                name: endpoint.verifier.name, key: endpoint.verifier.vkey,
                cosigned: status?.cosignedSize.map { "size \($0)" } ?? "not yet", error: status?.lastError)
        }
    }

    func checkpoint() async throws -> String {
        do {
            return try await log.checkpoint()
        } catch let error as LogSetupError {
            throw Problem(.serviceUnavailable, title: "Log unavailable", detail: error.description)
        }
    }

    func tile(_ request: Request, _ context: SiteRequestContext) async throws -> Response {
        let path = String(request.uri.path.dropFirst("/log/".count))
        guard let tile = try? Tile(path: path) else { throw Problem.notFound(request.uri.path) }
        guard let bytes = try await log.tile(tile) else {
            throw Problem(.notFound, detail: "The log has no \(tile.path) yet; fetch /log/checkpoint for its current size.")
        }
        let cache = tile.isFull ? "public, max-age=31536000, immutable" : "public, max-age=60"
        return Response(status: .ok, headers: [.contentType: "application/octet-stream", .cacheControl: cache], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    func receipt(_ request: Request, _ context: SiteRequestContext) async throws -> Response {
        let (slug, version) = try entryVersion(context)
        guard let proof = try await log.receipt(slug: slug, version: version) else {
            throw Problem(.notFound, detail: "Version \(version) of \(slug) is not in the public log.")
        }
        return text(proof.receipt, cache: "no-cache")
    }

    func record(_ request: Request, _ context: SiteRequestContext) async throws -> Response {
        let (slug, version) = try entryVersion(context)
        guard let proof = try await log.receipt(slug: slug, version: version) else {
            throw Problem(.notFound, detail: "Version \(version) of \(slug) is not in the public log.")
        }
        return Response(status: .ok, headers: [.contentType: MediaTypes.json, .cacheControl: "public, max-age=31536000, immutable"],
                        body: .init(byteBuffer: ByteBuffer(bytes: proof.leaf)))
    }

    private func entryVersion(_ context: SiteRequestContext) throws -> (String, Int) {
        guard let slug = context.parameters.get("slug"), let version = context.parameters.get("version", as: Int.self), version >= 1 else {
            throw Problem.badRequest("The address needs an entry's slug and a version number, e.g. /rumors/trump-won/versions/1/receipt.")
        }
        return (slug, version)
    }

    private func text(_ body: String, cache: String) -> Response {
        Response(status: .ok, headers: [.contentType: MediaTypes.text, .cacheControl: cache], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

/// The page that explains the public log and how to check it.
struct LogPageView {
    var chrome: Chrome
    var origin: String
    var key: String
    var base: String
    var witnesses: [WitnessRow]
    /// Whether the site has witnesses (stored, since templates read stored properties only).
    var hasWitnesses: Bool
    /// How many of them the site asks to cosign (`--witness-quorum`), for the command the page shows.
    var quorum: Int

    init(chrome: Chrome, origin: String, key: String, base: String, witnesses: [WitnessRow] = [], quorum: Int = 0) {
        (self.chrome, self.origin, self.key, self.base) = (chrome, origin, key, base)
        (self.witnesses, self.hasWitnesses, self.quorum) = (witnesses, !witnesses.isEmpty, quorum)
    }

    /// A witness on the page.
    struct WitnessRow {
        var name: String
        var key: String
        var cosigned: String
        var error: String?
    }
}
