import Foundation
import RumorCore
import RumorLedger
import RumorMatch

/// The parsers that read input from outside (files, requests, a log's server), as fuzz targets: each takes any
/// bytes and must return, never crash. Built with `-sanitize=fuzzer,address -DFUZZING` they are run by libFuzzer
/// (`scripts/fuzz.sh`); built normally, `rumorfuzz TARGET FILE...` replays inputs, which the tests do with the kept
/// regression inputs.
public enum FuzzTargets {
    /// The targets by name.
    public static let all: [String: @Sendable ([UInt8]) -> Void] = [
        "entry-file": { bytes in _ = EntryFile.decode(bytes, path: "fuzz") },
        "json": { bytes in
            // The label request decoder and the JSON Lines post reader.
            if let node = try? JSONParser.parse(bytes), case .string(let text) = node["text"]?.value { _ = text.utf8.count }
            _ = PostLine.parse(.line(number: 1, bytes: bytes))
            var lines = LineBuffer(maximumLineLength: 64)
            lines.append(bytes)
            while lines.nextLine() != nil {}
            _ = lines.finish()
        },
        "note": { bytes in
            // Signed notes, checkpoints and verifier keys, as a monitor reads them from a server.
            _ = try? Note(parsing: bytes)
            let text = String(decoding: bytes, as: UTF8.self)
            _ = try? Checkpoint(text: text)
            _ = try? NoteVerifier(vkey: text)
            _ = try? Receipt(parsing: text)
            _ = try? LogRecord(canonicalJSON: bytes)
        },
        "tile": { bytes in
            // Tile paths, and tile contents for the tile the first line names.
            let text = String(decoding: bytes, as: UTF8.self)
            let path = text.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
            if let tile = try? Tile(path: path) {
                let body = Array(bytes.dropFirst(path.utf8.count + 1))
                _ = try? tile.decodeHashes(body)
                _ = try? tile.decodeEntries(body)
            }
        },
        "text": { bytes in
            // The matcher's text normaliser, segmenter and lexical analyser.
            let text = NormalizedText(String(decoding: bytes, as: UTF8.self))
            _ = Segmenter.segments(of: text)
            _ = LexicalAnalyzer.terms(text.text)
        },
    ]

    /// Runs the target named by `RUMORFUZZ_TARGET`; used by the libFuzzer entry point.
    static let selected: @Sendable ([UInt8]) -> Void = {
        let name = ProcessInfo.processInfo.environment["RUMORFUZZ_TARGET"] ?? ""
        guard let target = all[name] else {
            FileHandle.standardError.write(Data("rumorfuzz: set RUMORFUZZ_TARGET to one of \(all.keys.sorted().joined(separator: ", "))\n".utf8))
            exit(2)
        }
        return target
    }()
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzTargets.selected(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The entry point of the fuzzing build. SwiftPM links an executable's entry point under this name, so libFuzzer's
/// own `main` is not used: its driver is started from here.
@_cdecl("rumorfuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments) { data, size in
        FuzzTargets.selected(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
        return 0
    }
}
#else
/// Replays inputs: `rumorfuzz TARGET FILE_OR_FOLDER...`; exits 0 when every input was handled.
@main
enum RumorFuzzMain {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let name = arguments.first, let target = FuzzTargets.all[name], arguments.count > 1 else {
            print("usage: rumorfuzz TARGET FILE_OR_FOLDER...  (targets: \(FuzzTargets.all.keys.sorted().joined(separator: ", ")))")
            exit(2)
        }
        var count = 0
        for path in arguments.dropFirst() {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { continue }
            let files = isFolder.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 } : [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                target(Array(data))
                count += 1
            }
        }
        print("rumorfuzz \(name): \(count) inputs replayed, none crashed")
    }
}
#endif
