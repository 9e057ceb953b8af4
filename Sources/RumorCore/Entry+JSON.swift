import Foundation

extension Entry {
    /// The entry as canonical JSON: keys sorted, no insignificant whitespace, `/` unescaped.
    ///
    /// Two equal entries always give the same bytes, so the bytes can be hashed and compared (the store detects
    /// unchanged re-imports with it; the public log signs its hash).
    public func canonicalJSON() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings, arrays and an integer cannot fail.
        return (try? encoder.encode(self)) ?? Data()
    }

    /// The entry as a human-readable entry file, fields in schema order, ending with a newline.
    public func fileJSON() -> Data {
        Data((jsonValue.serialized(pretty: true) + "\n").utf8)
    }

    /// The entry as a JSON value with its fields in schema order (the order of `kb/` files).
    public var jsonValue: JSONValue {
        .members([
            ("slug", .string(slug)), ("title", .string(title)), ("rumor", .string(rumor)), ("reality", .string(reality)),
            ("details", .string(details)),
            ("sources", .array(sources.map { source in
                JSONNode(.members([("title", .string(source.title)), ("publisher", .string(source.publisher)), ("url", .string(source.url)),
                                   ("date", .string(source.date))]), line: 0)
            })),
            ("topics", .strings(topics)), ("jurisdictions", .strings(jurisdictions)), ("keywords", .strings(keywords)),
            ("phrasings", .strings(phrasings)), ("corrections", .strings(corrections)), ("language", .string(language)), ("status", .string(status.rawValue)),
            ("version", .number(String(version))), ("created", .string(created)), ("updated", .string(updated)),
            ("last_reviewed", .string(lastReviewed)),
        ])
    }
}
