import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a monitor remembers between runs: the log's key and origin, and the last checkpoint it verified.
///
/// Kept as a small JSON file: `{"checkpoint": "...", "origin": "...", "vkey": "..."}`.
public struct MonitorState: Codable, Hashable, Sendable {
    /// The log's verifier key, pinned on the first run.
    public var vkey: String
    /// The log's origin.
    public var origin: String
    /// The last checkpoint that verified, as the signed note the log served.
    public var checkpoint: String

    /// Assembles a state.
    public init(vkey: String, origin: String, checkpoint: String) {
        self.vkey = vkey
        self.origin = origin
        self.checkpoint = checkpoint
    }

    /// Reads a state file.
    ///
    /// - Parameter path: the file.
    /// - Returns: the state; nil if there is no such file (a first run).
    /// - Throws: ``MonitorError/Code/stateFile`` if it cannot be read or is not a state file.
    public static func load(from path: String) throws -> MonitorState? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw MonitorError.stateFile(path, "cannot be read: \((error as NSError).localizedDescription)")
        }
        do {
            return try JSONDecoder().decode(MonitorState.self, from: data)
        } catch {
            throw MonitorError.stateFile(path, "is not a monitor state file (JSON with vkey, origin and checkpoint)")
        }
    }

    /// Writes the state atomically: to a temporary file beside `path`, flushed, then renamed over it.
    ///
    /// - Parameter path: the file.
    /// - Throws: ``MonitorError/Code/stateFile`` if it cannot be written.
    public func save(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(self)) ?? Data()
        let temporary = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: data + Data("\n".utf8)) else {
            throw MonitorError.stateFile(path, "cannot write \(temporary)")
        }
        let descriptor = open(temporary, O_RDONLY)
        if descriptor >= 0 {
            _ = fsync(descriptor)
            _ = close(descriptor)
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            _ = unlink(temporary)
            throw MonitorError.stateFile(path, "cannot rename \(temporary) over it: \(reason)")
        }
    }
}
