/// The public site's paths, in one place, so every producer of links (pages, feeds, labels, exports) agrees.
public enum SiteURL {
    /// The default base address of a local site.
    public static let defaultBase = "http://127.0.0.1:8080"

    /// The path of an entry's page, e.g. `/rumors/dead-people-voting`.
    public static func entryPath(slug: String) -> String { "/rumors/" + slug }

    /// The absolute URL of an entry's page.
    public static func entry(slug: String, base: String) -> String {
        (base.hasSuffix("/") ? String(base.dropLast()) : base) + entryPath(slug: slug)
    }
}
