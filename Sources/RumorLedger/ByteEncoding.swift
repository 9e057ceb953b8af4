import Foundation

/// Standard base64 (with padding) and lower-case hex, strictly: every format here has one spelling per value.
enum ByteEncoding {
    /// Standard base64 with padding.
    static func base64(_ bytes: some Collection<UInt8>) -> String {
        Data(bytes).base64EncodedString()
    }

    /// The bytes of a standard, padded base64 string; nil if it is not exactly the encoding of some bytes.
    static func bytes(base64 text: some StringProtocol) -> [UInt8]? {
        // Foundation tolerates some variants; accepting only the string it would itself produce keeps one spelling per value.
        guard let data = Data(base64Encoded: String(text)), data.base64EncodedString() == text else { return nil }
        return [UInt8](data)
    }

    /// Lower-case hex.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The bytes of a hex string (either case); nil if it has an odd length or a non-hex character.
    static func bytes(hex text: some StringProtocol) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        for pair in stride(from: 0, to: utf8.count, by: 2) {
            guard let high = hexValue(utf8[pair]), let low = hexValue(utf8[pair + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The value of a decimal numeral without sign or extra leading zeros; nil for anything else or on overflow.
    static func decimal(_ text: some StringProtocol) -> Int? {
        guard let first = text.utf8.first, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            first != UInt8(ascii: "0") || text.utf8.count == 1
        else { return nil }
        return Int(text)
    }
}
