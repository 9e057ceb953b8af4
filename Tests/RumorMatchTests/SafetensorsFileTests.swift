import Foundation
import Testing
import RumorMatch
import RumorTestSupport

@Suite("Safetensors reader")
struct SafetensorsFileTests {
    /// A safetensors file with the given header and data.
    private func file(header: String, data: [UInt8], in folder: URL) throws -> String {
        let headerBytes = Array(header.utf8)
        var bytes = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(headerBytes.count) >> (8 * UInt64($0))) }
        bytes += headerBytes + data
        let url = folder.appendingPathComponent("t.safetensors")
        try Data(bytes).write(to: url)
        return url.path
    }

    @Test("reads little-endian float32 tensors and checks their shapes")
    func reads() async throws {
        try await withTemporaryFolder { folder in
            let values: [Float] = [1, -2.5, 3.25, 0]
            let data = values.flatMap { value in (0..<4).map { UInt8(truncatingIfNeeded: value.bitPattern >> (8 * UInt32($0))) } }
            let path = try file(header: #"{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}"#, data: data, in: folder)
            let tensors = try SafetensorsFile(path: path)
            #expect(try tensors.floats("w", shape: [2, 2]) == values)
            #expect(throws: EmbeddingError.invalidModel("")) { try tensors.floats("w", shape: [4]) }
            #expect(throws: EmbeddingError.invalidModel("")) { try tensors.floats("missing", shape: [2, 2]) }
        }
    }

    @Test(
        "damaged files are refused with a message, never a crash",
        arguments: [
            #"{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,64]}}"#,  // past the end
            #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}}"#,  // shape and size disagree
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,  // overlap
            #"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,16]}}"#,
            #"{"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,16]}}"#,  // overflow
            #"{"w":"#,
            "not json",
        ])
    func damaged(header: String) async throws {
        try await withTemporaryFolder { folder in
            let path = try file(header: header, data: Array(repeating: 0, count: 16), in: folder)
            #expect(throws: EmbeddingError.invalidModel("")) { try SafetensorsFile(path: path) }
        }
    }

    @Test("a header length beyond the file is refused")
    func hugeHeaderLength() async throws {
        try await withTemporaryFolder { folder in
            let url = folder.appendingPathComponent("t.safetensors")
            try Data([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x7B, 0x7D]).write(to: url)
            #expect(throws: EmbeddingError.invalidModel("")) { try SafetensorsFile(path: url.path) }
        }
    }
}
