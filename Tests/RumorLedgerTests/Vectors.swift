import RumorLedger
import Testing

/// The public test vectors of docs/transparency-log.md (RFC 6962 and C2SP), copied byte for byte.
enum Vectors {
    /// The leaves of the Merkle vectors, as hex.
    static let leaves: [[UInt8]] = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
        .map(bytes(hex:))

    /// Root hashes (hex) of the first n leaves.
    static let roots: [Int: String] = [
        1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]

    /// Leaf 1 in the tree of the first 5 leaves.
    enum Inclusion {
        static let leafIndex = 1
        static let treeSize = 5
        static let root = "Tju7H3tHjc/nH7YxYxUZo7yhLJrvyhYSv85ME6hiZNQ="
        static let leafHash = "lqKW0iTyhcZ77pPDD4owkVfw2qNdxbh+QQt4YwoJz8c="
        static let proof = [
            "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=", "Xwg/ChozygdqlSeYMlgNs+DvRYS9/x9UyKNg9Q3jAx4=",
            "vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms=",
        ]
    }

    /// The tree of the first 6 leaves and of the first 7.
    enum Consistency {
        static let oldSize = 6
        static let newSize = 7
        static let oldRoot = "duZ9rbzfHhDht03cYIq9L5jfsW+851J3tSMqEn8gh+8="
        static let newRoot = "3bib5AOAnjJXUNPSY814kpwpQreUKjS3fhIslZSnTIw="
        static let proof = [
            "DrxdNDf74tsVi58Sah0RjjCBgQMdCpSfje3t68VY72o=", "sIaT7C5yFZcTBkHoIR5+7cy0wmQTlj7ubB4u0W/7Gl8=",
            "037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc=",
        ]
    }

    static let helloWorldLeafHash = "TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0="

    /// The deterministic Ed25519 signed note.
    enum PeterNeumann {
        static let skey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
        static let vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
        static let text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
        static let signatureLine =
            "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
        static var note: String { text + "\n" + signatureLine }
    }

    /// The whole tiled log of 15 entries.
    enum TiledLog {
        static let skey = "PRIVATE+KEY+example.com/log/testdata+33d7b496+AeymY/SZAX0jZcJ8enZ5FY1Dz+wTML2yWSkK+9DSF3eg"
        static let vkey = "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx"
        static let origin = "example.com/log/testdata"
        static let entries = "one two three four five six seven eit nain ten ileven twelf threeten fourten fivten"
            .split(separator: " ").map { Array($0.utf8) }
        static let checkpoint = """
            example.com/log/testdata
            15
            rKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=

            \u{2014} example.com/log/testdata M9e0luh4jTG+UMBqOUo9/q+yAEvx1ilBEniMvjf1zfcBOhg+CKubMt53MvIt/uEWP6zdkdIQzd/fmwlM/dlPWF74ewI=

            """

        /// The log of the first `count` entries.
        static func log(count: Int = 15) throws -> MemoryLog {
            var log = MemoryLog()
            for entry in entries.prefix(count) { try log.append(entry) }
            return log
        }
    }

    static func bytes(hex: String) -> [UInt8] {
        stride(from: 0, to: hex.count, by: 2).map { UInt8(hex.dropFirst($0).prefix(2), radix: 16)! }
    }

    /// The log of the first `count` Merkle-vector leaves.
    static func merkleLog(count: Int = leaves.count) throws -> MemoryLog {
        var log = MemoryLog()
        for leaf in leaves.prefix(count) { try log.append(leaf) }
        return log
    }
}

/// Checks that `body` throws a ``LedgerError`` of the given kind, and returns it.
@discardableResult
func expectLedgerError(
    _ code: LedgerError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) -> LedgerError? {
    let error = #expect(throws: LedgerError.self, sourceLocation: sourceLocation) { try body() }
    #expect(error?.code == code, "expected \(code), got \(error.map { "\($0.code): \($0)" } ?? "nothing")", sourceLocation: sourceLocation)
    return error
}

extension Hash {
    /// This hash with one byte's bits inverted.
    func flipping(byte position: Int) -> Hash {
        var bytes = bytes
        bytes[position] ^= 0xFF
        return try! Hash(bytes: bytes)
    }
}
