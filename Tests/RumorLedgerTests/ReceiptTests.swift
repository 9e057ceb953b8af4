import RumorLedger
import Testing

@Suite("Receipts (C2SP tlog-proof) and a monitor's consistency checks")
struct ReceiptTests {
    typealias Vector = Vectors.TiledLog

    @Test("every entry of the 15-entry log has a receipt that a reader verifies offline")
    func everyEntry() throws {
        let log = try Vector.log()
        let verifier = try LogVerifier(vkey: Vector.vkey)

        for (index, entry) in Vector.entries.enumerated() {
            let receipt = try Receipt(index: index, checkpoint: Vector.checkpoint, reader: log)
            let parsed = try Receipt(parsing: receipt.text)

            #expect(parsed == receipt)
            #expect(try verifier.checkReceipt(receipt.text, entry: entry).size == 15)
            expectLedgerError(.invalidProof) { try verifier.checkReceipt(receipt.text, entry: entry + [0x0A]) }
        }
    }

    @Test("a receipt's text is the header, the index, the proof, a blank line and the signed checkpoint")
    func layout() throws {
        let log = try Vector.log()

        let receipt = try Receipt(index: 3, checkpoint: Vector.checkpoint, reader: log)

        let proof = try log.inclusionProof(leafIndex: 3, treeSize: 15).hashes.map { $0.base64 + "\n" }.joined()
        #expect(receipt.text == "c2sp.org/tlog-proof@v1\nindex 3\n" + proof + "\n" + Vector.checkpoint)
        #expect(receipt.proof.count == 4)
    }

    @Test("a receipt for another index, another log or a forged checkpoint is refused")
    func wrongReceipts() throws {
        let log = try Vector.log()
        let receipt = try Receipt(index: 3, checkpoint: Vector.checkpoint, reader: log)
        let verifier = try LogVerifier(vkey: Vector.vkey)
        let forged = try Checkpoint(origin: Vector.origin, size: 15, root: log.rootHash(treeSize: 14)).signed(
            by: NoteSigner.generate(name: Vector.origin))

        let moved = Receipt(index: 4, proof: receipt.proof, checkpoint: receipt.checkpoint)
        let shortened = Receipt(index: 3, proof: Array(receipt.proof.dropLast()), checkpoint: receipt.checkpoint)
        let reforged = Receipt(index: 3, proof: receipt.proof, checkpoint: forged)

        expectLedgerError(.invalidProof) { try verifier.checkReceipt(moved.text, entry: Vector.entries[3]) }
        expectLedgerError(.invalidProof) { try verifier.checkReceipt(shortened.text, entry: Vector.entries[3]) }
        expectLedgerError(.unverifiedNote) { try verifier.checkReceipt(reforged.text, entry: Vector.entries[3]) }
        expectLedgerError(.originMismatch) {
            try receipt.verify(entry: Vector.entries[3], verifier: verifier.verifier, origin: "example.com/another-log")
        }
        expectLedgerError(.outOfRange) { _ = try Receipt(index: 15, checkpoint: Vector.checkpoint, reader: log) }
    }

    @Test(
        "malformed receipts give precise errors",
        arguments: [
            "c2sp.org/tlog-proof@v2\nindex 3\n\n",
            "c2sp.org/tlog-proof@v1\nindex 03\n\n",
            "c2sp.org/tlog-proof@v1\nindex -3\n\n",
            "c2sp.org/tlog-proof@v1\nindex\n\n",
            "c2sp.org/tlog-proof@v1\n\n",
            "c2sp.org/tlog-proof@v1\nindex 3\nnot-base64\n\n",
            "c2sp.org/tlog-proof@v1\nindex 3\nAAAA\n\n",
            "c2sp.org/tlog-proof@v1\nindex 3\n" + String(repeating: Hash.emptyTree.base64 + "\n", count: 64) + "\n",
            "c2sp.org/tlog-proof@v1\nindex 3\n",
        ])
    func malformed(header: String) {
        expectLedgerError(.malformedReceipt) { _ = try Receipt(parsing: header + Vector.checkpoint) }
    }

    @Test("a receipt whose checkpoint is not a signed note is malformed")
    func checkpointNotANote() {
        expectLedgerError(.malformedReceipt) { _ = try Receipt(parsing: "c2sp.org/tlog-proof@v1\nindex 3\n\nexample.com/log\n15\n") }
    }

    @Test("a monitor checks that a later checkpoint extends an earlier one, from a proof or from tiles")
    func consistentCheckpoints() throws {
        let signer = try NoteSigner(skey: Vector.skey)
        let verifier = try LogVerifier(vkey: Vector.vkey)
        let log = try Vector.log()
        let old = try verifier.checkpoint(Vector.log(count: 7).checkpoint(origin: Vector.origin).signed(by: signer))
        let new = try verifier.checkpoint(Vector.checkpoint)

        try verifier.checkConsistency(from: old, to: new, tiles: log)
        try verifier.checkConsistency(from: old, to: new, proof: log.consistencyProof(from: 7, to: 15).hashes)
        try verifier.checkConsistency(from: new, to: new, tiles: log)
        expectLedgerError(.invalidProof) { try verifier.checkConsistency(from: new, to: old, tiles: log) }
    }

    @Test("a monitor catches a log that rewrote an entry: its new checkpoint is inconsistent with the old")
    func forkedLog() throws {
        let signer = try NoteSigner(skey: Vector.skey)
        let verifier = try LogVerifier(vkey: Vector.vkey)
        var rewritten = try Vector.log(count: 3)
        for entry in [Array("FOUR".utf8)] + Vector.entries.dropFirst(4) { try rewritten.append(entry) }
        let old = try verifier.checkpoint(Vector.log(count: 7).checkpoint(origin: Vector.origin).signed(by: signer))
        let new = try verifier.checkpoint(rewritten.checkpoint(origin: Vector.origin).signed(by: signer))

        let error = expectLedgerError(.invalidProof) { try verifier.checkConsistency(from: old, to: new, tiles: rewritten) }
        expectLedgerError(.invalidProof) {
            try verifier.checkConsistency(from: old, to: new, proof: Vector.log().consistencyProof(from: 7, to: 15).hashes)
        }
        #expect(error?.description.contains("old root") == true)
    }
}
