extension Entry {
    /// The longest slug accepted.
    public static let maximumSlugLength = 80
    /// At most this many paragraphs of details.
    public static let maximumDetailParagraphs = 3

    /// Every rule the entry breaks, with the field each concerns; empty when the entry is valid.
    ///
    /// These are the rules of `kb/entry.schema.json` plus the ones a schema cannot say (real calendar dates,
    /// `updated` not before `created`, paragraph counts). Lines are not known here; ``EntryFile`` adds them.
    public func validationIssues() -> [EntryIssue] {
        var check = RuleCheck()
        check.slug(slug, field: "slug")
        check.text(title, field: "title", length: 3...120, singleLine: true)
        check.text(rumor, field: "rumor", length: 10...300, singleLine: true)
        check.text(reality, field: "reality", length: 10...600, singleLine: true)
        check.text(details, field: "details", length: 20...6000, singleLine: false)
        let paragraphs = details.paragraphCount
        if paragraphs > Self.maximumDetailParagraphs {
            check.fail("details", "has \(paragraphs) paragraphs; write at most \(Self.maximumDetailParagraphs), separated by blank lines")
        }
        check.count(sources.count, field: "sources", range: 1...20, noun: "source")
        for (index, source) in sources.enumerated() {
            let field = "sources[\(index)]"
            check.text(source.title, field: "\(field).title", length: 3...300, singleLine: true)
            check.text(source.publisher, field: "\(field).publisher", length: 2...200, singleLine: true)
            check.url(source.url, field: "\(field).url")
            check.date(source.date, field: "\(field).date", allowMonthOnly: true)
        }
        check.count(topics.count, field: "topics", range: 1...10, noun: "topic")
        check.unique(topics, field: "topics")
        for (index, topic) in topics.enumerated() { check.slug(topic, field: "topics[\(index)]") }
        check.count(jurisdictions.count, field: "jurisdictions", range: 1...60, noun: "jurisdiction")
        check.unique(jurisdictions, field: "jurisdictions")
        for (index, code) in jurisdictions.enumerated() where !code.isJurisdictionCode {
            check.fail("jurisdictions[\(index)]", "'\(code)' is not an ISO 3166 code such as US or US-GA")
        }
        check.count(keywords.count, field: "keywords", range: 0...40, noun: "keyword")
        check.unique(keywords, field: "keywords")
        for (index, keyword) in keywords.enumerated() {
            check.text(keyword, field: "keywords[\(index)]", length: 2...60, singleLine: true)
        }
        check.count(phrasings.count, field: "phrasings", range: 3...60, noun: "phrasing")
        check.unique(phrasings, field: "phrasings")
        for (index, phrasing) in phrasings.enumerated() {
            check.text(phrasing, field: "phrasings[\(index)]", length: 3...300, singleLine: true)
        }
        check.count(corrections.count, field: "corrections", range: 0...60, noun: "correction")
        check.unique(corrections, field: "corrections")
        for (index, correction) in corrections.enumerated() {
            check.text(correction, field: "corrections[\(index)]", length: 3...300, singleLine: true)
        }
        if !language.isLanguageTag { check.fail("language", "'\(language)' is not a BCP 47 language tag such as en or es-US") }
        if version < 1 { check.fail("version", "must be 1 or more") }
        let created = check.date(created, field: "created", allowMonthOnly: false)
        let updated = check.date(updated, field: "updated", allowMonthOnly: false)
        let reviewed = check.date(lastReviewed, field: "last_reviewed", allowMonthOnly: false)
        if let created, let updated, updated < created { check.fail("updated", "\(self.updated) is before created (\(self.created))") }
        if let created, let reviewed, reviewed < created {
            check.fail("last_reviewed", "\(lastReviewed) is before created (\(self.created))")
        }
        return check.issues
    }
}

/// Collects rule violations; one method per kind of rule, so each message is written once.
private struct RuleCheck {
    var issues: [EntryIssue] = []

    mutating func fail(_ field: String, _ message: String) {
        issues.append(EntryIssue(field: field, message: message))
    }

    mutating func slug(_ value: String, field: String) {
        if value.isEmpty {
            fail(field, "is empty; use lower-case letters, digits and hyphens, e.g. dead-people-voting")
        } else if !value.isSlug {
            fail(field, "'\(value)' may hold only lower-case letters, digits and single hyphens inside, e.g. dead-people-voting")
        } else if value.count > Entry.maximumSlugLength {
            fail(field, "is \(value.count) characters long; the most is \(Entry.maximumSlugLength)")
        }
    }

    mutating func text(_ value: String, field: String, length: ClosedRange<Int>, singleLine: Bool) {
        let trimmed = value.trimmingWhitespace
        if trimmed.isEmpty {
            fail(field, "is empty")
            return
        }
        if !length.contains(value.count) {
            fail(field, "is \(value.count) characters long; write \(length.lowerBound) to \(length.upperBound)")
        }
        if singleLine, value.contains(where: \.isNewline) { fail(field, "must be one line (it contains a line break)") }
        if value.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" && $0 != "\t" }) {
            fail(field, "contains a control character")
        }
    }

    mutating func count(_ count: Int, field: String, range: ClosedRange<Int>, noun: String) {
        guard !range.contains(count) else { return }
        fail(field, "has \(count) \(noun)\(count == 1 ? "" : "s"); give \(range.lowerBound) to \(range.upperBound)")
    }

    mutating func unique(_ values: [String], field: String) {
        var seen: Set<String> = []
        for (index, value) in values.enumerated() where !seen.insert(value).inserted {
            fail("\(field)[\(index)]", "'\(value)' is listed twice")
        }
    }

    mutating func url(_ value: String, field: String) {
        let lowered = value.lowercased()
        let rest = lowered.hasPrefix("https://") ? value.dropFirst(8) : lowered.hasPrefix("http://") ? value.dropFirst(7) : nil
        guard let rest, rest.first.map({ $0.isLetter || $0.isNumber }) == true, !value.contains(where: { $0.isWhitespace }),
            value.count <= 2000
        else {
            fail(field, "'\(value)' is not an http(s) URL such as https://www.cisa.gov/")
            return
        }
    }

    /// Checks a `YYYY-MM-DD` (or `YYYY-MM`) date and returns it as a comparable number.
    @discardableResult
    mutating func date(_ value: String, field: String, allowMonthOnly: Bool) -> Int? {
        if let day = CalendarDay(value) { return day.ordinal }
        if allowMonthOnly, CalendarDay(value + "-01") != nil { return nil }
        fail(field, "'\(value)' is not a date written YYYY-MM-DD\(allowMonthOnly ? " (or YYYY-MM)" : "")")
        return nil
    }
}

/// A day of the Gregorian calendar, parsed from `YYYY-MM-DD`.
public struct CalendarDay: Sendable, Hashable, Comparable {
    /// The year.
    public let year: Int
    /// The month, 1-12.
    public let month: Int
    /// The day of the month.
    public let day: Int

    /// Parses `YYYY-MM-DD`; nil unless it is a real date.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]), (1...12).contains(month)
        else { return nil }
        let isLeap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let lengths = [31, isLeap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...lengths[month - 1]).contains(day) else { return nil }
        (self.year, self.month, self.day) = (year, month, day)
    }

    /// A number that orders days.
    var ordinal: Int { year * 10_000 + month * 100 + day }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.ordinal < rhs.ordinal }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
    var isASCIILowercaseLetter: Bool { ("a"..."z").contains(self) }
    var isASCIIUppercaseLetter: Bool { ("A"..."Z").contains(self) }
}

extension String {
    /// Whether this is a slug: lower-case ASCII letters and digits in groups joined by single hyphens.
    public var isSlug: Bool {
        !isEmpty && split(separator: "-", omittingEmptySubsequences: false).allSatisfy { group in
            !group.isEmpty && group.allSatisfy { $0.isASCIIDigit || $0.isASCIILowercaseLetter }
        }
    }

    var isJurisdictionCode: Bool {
        let parts = split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count <= 2, parts[0].count == 2, parts[0].allSatisfy(\.isASCIIUppercaseLetter) else { return false }
        return parts.count == 1 || ((1...3).contains(parts[1].count) && parts[1].allSatisfy { $0.isASCIIUppercaseLetter || $0.isASCIIDigit })
    }

    var isLanguageTag: Bool {
        let parts = split(separator: "-", omittingEmptySubsequences: false)
        guard let primary = parts.first, (2...3).contains(primary.count), primary.allSatisfy({ $0.isASCII && $0.isLetter }) else { return false }
        return parts.dropFirst().allSatisfy { (2...8).contains($0.count) && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }
    }

    var trimmingWhitespace: Substring {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map { index(after: $0) } ?? start
        return self[start..<max(start, end)]
    }

    /// Paragraphs separated by blank lines.
    var paragraphCount: Int {
        var count = 0
        var inParagraph = false
        for line in split(separator: "\n", omittingEmptySubsequences: false) {
            let blank = line.allSatisfy(\.isWhitespace)
            if !blank && !inParagraph { count += 1 }
            inParagraph = !blank
        }
        return count
    }
}
