import Foundation
import RumorCore

/// A `.safetensors` file: an 8-byte little-endian header length, a JSON header describing each tensor
/// (`dtype`, `shape`, `data_offsets`), then the raw little-endian tensor data. The file is memory-mapped.
public struct SafetensorsFile: Sendable {
    /// One tensor's description from the header.
    public struct TensorInfo: Sendable, Hashable {
        /// The element type, e.g. `F32`.
        public var dtype: String
        /// The dimensions.
        public var shape: [Int]
        /// The byte range of its data, relative to the start of the data section.
        public var range: Range<Int>
    }

    /// The tensors, by name.
    public let tensors: [String: TensorInfo]
    /// The header's `__metadata__` strings (empty when it has none).
    public let metadata: [String: String]
    private let data: Data
    private let dataStart: Int
    private let path: String

    /// Opens and checks a safetensors file: the header parses, every range lies inside the file and matches its
    /// shape and type, and no two tensors overlap.
    /// - Throws: ``EmbeddingError`` naming the file and what is wrong with it.
    public init(path: String) throws(EmbeddingError) {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else { throw .missingModel("\(path) does not exist") }
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw .missingModel("\(path) cannot be read (\(error.localizedDescription))")
        }
        guard data.count >= 8 else { throw .invalidModel("\(path) is truncated (\(data.count) bytes)") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= 100_000_000, Int(headerLength) <= data.count - 8 else {
            throw .invalidModel("\(path) is truncated or not a safetensors file (header of \(headerLength) bytes in a file of \(data.count))")
        }
        dataStart = 8 + Int(headerLength)
        let header: JSONNode
        do {
            header = try JSONParser.parse(data[8..<dataStart])
        } catch {
            throw .invalidModel("\(path) has a malformed header (\(error))")
        }
        guard case .object(let members) = header.value else { throw .invalidModel("\(path): the header is not a JSON object") }
        var metadata: [String: String] = [:]
        if let node = members.first(where: { $0.key == "__metadata__" })?.node, case .object(let entries) = node.value {
            for entry in entries {
                guard case .string(let value) = entry.node.value else { throw .invalidModel("\(path): metadata \(entry.key) is not a string") }
                metadata[entry.key] = value
            }
        }
        self.metadata = metadata
        var tensors: [String: TensorInfo] = [:]
        for member in members where member.key != "__metadata__" {
            guard case .string(let dtype) = member.node["dtype"]?.value, case .array(let shapeNodes) = member.node["shape"]?.value,
                case .array(let offsetNodes) = member.node["data_offsets"]?.value, offsetNodes.count == 2
            else { throw .invalidModel("\(path): tensor \(member.key) has an incomplete description") }
            let shape = shapeNodes.compactMap { node -> Int? in
                if case .number(let text) = node.value, let value = Int(text), value >= 0 { return value }
                return nil
            }
            let offsets = offsetNodes.compactMap { node -> Int? in
                if case .number(let text) = node.value, let value = Int(text), value >= 0 { return value }
                return nil
            }
            guard shape.count == shapeNodes.count, offsets.count == 2, offsets[0] <= offsets[1], offsets[1] <= data.count - dataStart else {
                throw .invalidModel("\(path): tensor \(member.key) lies outside the file; the file is truncated or damaged")
            }
            let elementSize = ["F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "U8": 1, "I8": 1][dtype] ?? 0
            let (elements, overflow) = shape.reduce((1, false)) { acc, dimension in
                let product = acc.0.multipliedReportingOverflow(by: dimension)
                return (product.partialValue, acc.1 || product.overflow)
            }
            guard elementSize > 0, !overflow, elements * elementSize == offsets[1] - offsets[0] else {
                throw .invalidModel("\(path): tensor \(member.key) (\(dtype) \(shape)) does not match its \(offsets[1] - offsets[0]) bytes")
            }
            tensors[member.key] = TensorInfo(dtype: dtype, shape: shape, range: offsets[0]..<offsets[1])
        }
        let ranges = tensors.values.map(\.range).sorted { $0.lowerBound < $1.lowerBound }
        for (first, second) in zip(ranges, ranges.dropFirst()) where first.upperBound > second.lowerBound {
            throw .invalidModel("\(path): two tensors overlap")
        }
        self.tensors = tensors
    }

    /// A float32 tensor's values, checked against the expected shape.
    /// - Parameters:
    ///   - name: the tensor's name, e.g. `encoder.layer.0.attention.self.query.weight`.
    ///   - shape: the dimensions the model needs.
    /// - Throws: ``EmbeddingError`` when the tensor is missing, not F32, or of another shape.
    public func floats(_ name: String, shape: [Int]) throws(EmbeddingError) -> [Float] {
        guard let info = tensors[name] else { throw .invalidModel("\(path) has no tensor \(name); it is not the all-MiniLM-L6-v2 model") }
        guard info.dtype == "F32", info.shape == shape else {
            throw .invalidModel("\(path): tensor \(name) is \(info.dtype) \(info.shape), expected F32 \(shape)")
        }
        let count = info.range.count / 4
        let start = dataStart + info.range.lowerBound
        return data.withUnsafeBytes { raw in Float32Bytes.decode(UnsafeRawBufferPointer(rebasing: raw[start..<start + count * 4]), count: count) }
    }
}
