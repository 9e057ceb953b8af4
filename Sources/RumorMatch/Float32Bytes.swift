import Foundation

/// Float arrays as little-endian float32 bytes, the layout of the weights file, the per-token vector file and
/// the quick stage's map.
enum Float32Bytes {
    /// The values as little-endian float32.
    static func encode(_ values: [Float]) -> Data {
        var data = Data(capacity: values.count * 4)
        for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    /// `count` little-endian float32 values from the start of raw bytes (which must hold them).
    static func decode(_ bytes: UnsafeRawBufferPointer, count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count {
                buffer[index] = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)))
            }
            initialized = count
        }
    }
}
