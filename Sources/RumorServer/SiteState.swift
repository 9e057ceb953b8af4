import RumorCore
import RumorStore
import Synchronization

/// The live site: the current ``SiteSnapshot`` and what is needed to make the next one.
final class SiteState: Sendable {
    let store: any EntryStore
    let configuration: ServerConfiguration
    let renderer: PageRenderer
    /// The stylesheet's address, versioned by its hash so browsers may cache it for good.
    let stylesheetURL: String
    private let snapshot: Mutex<SiteSnapshot>

    init(store: any EntryStore, configuration: ServerConfiguration, renderer: PageRenderer, stylesheetURL: String) async throws {
        self.store = store
        self.configuration = configuration
        self.renderer = renderer
        self.stylesheetURL = stylesheetURL
        snapshot = Mutex(try await SiteSnapshot.build(store: store, configuration: configuration, renderer: renderer, stylesheet: stylesheetURL))
    }

    /// The site as it is now.
    var current: SiteSnapshot { snapshot.withLock { $0 } }

    /// Re-reads the store and renders the site again (after an entry changed).
    func refresh() async throws {
        let next = try await SiteSnapshot.build(store: store, configuration: configuration, renderer: renderer, stylesheet: stylesheetURL)
        snapshot.withLock { $0 = next }
    }

    /// The frame of a page, with the search box holding `query`.
    func chrome(query: String = "") -> Chrome { Chrome(stylesheet: stylesheetURL, query: query) }
}
