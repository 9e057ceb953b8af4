import Foundation
import RumorCore

/// Reads entry files from disk: single files, or folders of `*.json` files (not recursive; `*.schema.json` skipped).
///
/// Reading is all or nothing: every file is parsed and validated first, and any problem anywhere fails the whole
/// load with every issue found, so an import never applies half a folder.
public enum EntryFileLoader {
    /// Loads and validates the entries at the given paths.
    /// - Parameter paths: files and folders.
    /// - Returns: the entries, sorted by slug.
    /// - Throws: ``KnowledgeBaseError`` listing every problem (file, line, field), including a slug given twice.
    public static func load(paths: [String]) throws(KnowledgeBaseError) -> [Entry] {
        var files: [String] = []
        for path in paths { files += try entryFiles(at: path) }
        var entries: [(entry: Entry, file: String)] = []
        var issues: [EntryIssue] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw .unreadableFile(file, reason: "permission denied or not a regular file")
            }
            switch EntryFile.decode(data, path: file) {
            case .success(let entry): entries.append((entry, file))
            case .failure(let error): issues += error.issues
            }
        }
        var firstFile: [String: String] = [:]
        for (entry, file) in entries {
            if let other = firstFile[entry.slug] {
                issues.append(EntryIssue(file: file, line: 1, field: "slug", message: "'\(entry.slug)' is also the slug of \(other); slugs must be unique"))
            } else {
                firstFile[entry.slug] = file
            }
        }
        guard issues.isEmpty else { throw .invalidEntries(issues) }
        return entries.map(\.entry).sorted { $0.slug < $1.slug }
    }

    private static func entryFiles(at path: String) throws(KnowledgeBaseError) -> [String] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw .unreadableFile(path, reason: "no such file or folder")
        }
        guard isFolder.boolValue else { return [path] }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw .unreadableFile(path, reason: "cannot list the folder")
        }
        let folder = path.hasSuffix("/") ? String(path.dropLast()) : path
        return names.filter { $0.hasSuffix(".json") && !$0.hasSuffix(".schema.json") && !$0.hasPrefix(".") }.sorted().map { folder + "/" + $0 }
    }
}

/// The knowledge base shipped with RumorControl (`kb/`), bundled into the binary's resources so it works from
/// any directory.
public enum ShippedKnowledgeBase {
    /// The folder of the bundled entry files.
    public static var folder: String? {
        Bundle.module.resourceURL?.appendingPathComponent("kb").path
    }

    /// The shipped entries.
    /// - Throws: ``KnowledgeBaseError`` when the bundle is missing or a shipped file is invalid (a build problem).
    public static func entries() throws(KnowledgeBaseError) -> [Entry] {
        guard let folder else { throw .unreadableFile("kb/", reason: "the bundled knowledge base is missing from this build") }
        return try EntryFileLoader.load(paths: [folder])
    }
}
