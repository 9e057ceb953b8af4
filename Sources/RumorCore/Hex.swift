/// Lower-case hexadecimal, for digests and ETags (`String(format: "%02x")` per byte is slow enough to show in
/// appends and in a monitor's pass over every entry).
public enum Hex {
    /// The bytes as lower-case hex digits.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
