import RumorLedger
import Testing

@Suite("C2SP checkpoints")
struct CheckpointTests {
    typealias Vector = Vectors.TiledLog

    @Test("the tiled log's checkpoint opens with its verifier key")
    func opensTheVector() throws {
        let verifier = try LogVerifier(vkey: Vector.vkey)

        let checkpoint = try verifier.checkpoint(Vector.checkpoint)

        #expect(checkpoint.origin == Vector.origin)
        #expect(checkpoint.size == 15)
        #expect(checkpoint.root.base64 == "rKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=")
        #expect(checkpoint.extensions.isEmpty)
    }

    @Test("extension lines survive a round trip through text")
    func extensions() throws {
        let checkpoint = try Checkpoint(origin: "rumorcontrol.example/log", size: 3, root: Hash.emptyTree, extensions: ["rumorcontrol 1"])

        let parsed = try Checkpoint(text: checkpoint.text)

        #expect(parsed == checkpoint)
        #expect(checkpoint.text == "rumorcontrol.example/log\n3\n\(Hash.emptyTree.base64)\nrumorcontrol 1\n")
    }

    @Test("a checkpoint signed by the log but naming another origin is refused")
    func otherOrigin() throws {
        let signer = try NoteSigner(skey: Vector.skey)
        let note = try Checkpoint(origin: "example.com/other-log", size: 1, root: Hash.emptyTree).signed(by: signer)

        expectLedgerError(.originMismatch) { _ = try LogVerifier(vkey: Vector.vkey).checkpoint(note) }
        expectLedgerError(.originMismatch) { _ = try LogVerifier(vkey: Vector.vkey, origin: "example.com/log").checkpoint(Vector.checkpoint) }
        #expect(try LogVerifier(vkey: Vector.vkey, origin: "example.com/other-log").checkpoint(note).size == 1)
    }

    @Test("a checkpoint with a changed size or root fails its signature")
    func tampered() throws {
        let verifier = try LogVerifier(vkey: Vector.vkey)
        let grown = Vector.checkpoint.replacing("\n15\n", with: "\n16\n")
        let rerooted = Vector.checkpoint.replacing("rKbD", with: "rKbE")

        expectLedgerError(.invalidSignature) { _ = try verifier.checkpoint(grown) }
        expectLedgerError(.invalidSignature) { _ = try verifier.checkpoint(rerooted) }
    }

    @Test(
        "malformed checkpoint bodies give precise errors",
        arguments: [
            "example.com/log\n15\n",
            "example.com/log\n15\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=",
            "example.com/log\n015\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=\n",
            "example.com/log\n-1\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=\n",
            "example.com/log\n+1\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=\n",
            "example.com/log\n1.0\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=\n",
            "example.com/log\n99999999999999999999\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=\n",
            "example.com/log\n15\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383c=\n",
            "example.com/log\n15\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs\n",
            "example.com/log\n15\n\(Hash.emptyTree.hex)\n",
            "\n15\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=\n",
            "example.com/log\n15\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=\n\nextension\n",
            "",
        ])
    func malformedBodies(text: String) {
        expectLedgerError(.malformedCheckpoint) { _ = try Checkpoint(text: text) }
    }

    @Test("a checkpoint whose body is malformed but correctly signed is still refused")
    func signedButMalformed() throws {
        let signer = try NoteSigner(skey: Vector.skey)
        let note = try Note.sign("\(Vector.origin)\n15\nnot a hash\n", by: [signer]).serialized

        expectLedgerError(.malformedCheckpoint) { _ = try LogVerifier(vkey: Vector.vkey).checkpoint(note) }
    }
}
