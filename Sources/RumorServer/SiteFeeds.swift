import RumorCore

/// The site's documents for machines other than the API: the Atom feed, the sitemap and `robots.txt`.
enum SiteFeeds {
    /// An Atom feed (RFC 4287) of the published entries, newest change first.
    static func atom(entries: [Entry], configuration: ServerConfiguration) -> String {
        let base = configuration.baseURL
        let sorted = entries.sorted { ($0.updated, $0.slug) > ($1.updated, $1.slug) }
        var xml = """
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom">
            <title>Rumor Control: new and updated entries</title>
            <subtitle>Sourced answers to rumors about elections.</subtitle>
            <link rel="self" type="application/atom+xml" href="\(HTMLText.escape(base + SitePath.feed))"/>
            <link rel="alternate" type="text/html" href="\(HTMLText.escape(base + "/"))"/>
            <id>\(HTMLText.escape(base + "/"))</id>
            <updated>\(timestamp(sorted.first?.updated ?? "2020-11-01"))</updated>
            <author><name>\(HTMLText.escape(configuration.publisher))</name></author>

            """
        for entry in sorted {
            let url = HTMLText.escape(SiteURL.entry(slug: entry.slug, base: base))
            xml += """
                <entry>
                <title>\(HTMLText.escape(entry.title))</title>
                <link rel="alternate" type="text/html" href="\(url)"/>
                <id>\(url)</id>
                <published>\(timestamp(entry.created))</published>
                <updated>\(timestamp(entry.updated))</updated>
                <summary>\(HTMLText.escape("Rumor: \(entry.rumor) Reality: \(entry.reality)"))</summary>
                \(entry.topics.map { "<category term=\"\(HTMLText.escape($0))\"/>" }.joined())
                </entry>

                """
        }
        return xml + "</feed>\n"
    }

    /// A sitemap (sitemaps.org 0.9) of the home page, topics and entries.
    static func sitemap(entries: [Entry], topics: [String], base: String) -> String {
        var urls = [(base + "/", entries.map(\.updated).max())]
        urls += topics.map { (base + SitePath.topic($0), nil) }
        urls += entries.map { (SiteURL.entry(slug: $0.slug, base: base), $0.updated) }
        let items = urls.map { url, lastModified in
            "<url><loc>\(HTMLText.escape(url))</loc>\(lastModified.map { "<lastmod>\(HTMLText.escape($0))</lastmod>" } ?? "")</url>"
        }
        return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n"
            + items.joined(separator: "\n") + "\n</urlset>\n"
    }

    /// Lets every crawler in, except to the API and the check form, and points them to the sitemap.
    static func robots(base: String) -> String {
        "User-agent: *\nDisallow: /api/\nDisallow: /check\nAllow: /\n\nSitemap: \(base)\(SitePath.sitemap)\n"
    }

    /// An RFC 3339 time for a `YYYY-MM-DD` day (or `YYYY-MM`), at midnight UTC.
    /// Escaped for XML: a date comes from an entry, and nothing from an entry is trusted.
    static func timestamp(_ day: String) -> String {
        HTMLText.escape((day.count == 7 ? day + "-01" : day) + "T00:00:00Z")
    }
}
