import RumorLedger
import Testing

@Suite("C2SP signed notes with Ed25519")
struct SignedNoteTests {
    typealias Vector = Vectors.PeterNeumann

    @Test("the signer key gives the published verifier key and the published signature, byte for byte")
    func signsTheVector() throws {
        let signer = try NoteSigner(skey: Vector.skey)

        let note = try Note.sign(Vector.text, by: [signer])

        #expect(signer.verifier.vkey == Vector.vkey)
        #expect(signer.skey == Vector.skey)
        #expect(signer.name == "PeterNeumann" && signer.keyID == 0xc74f_20a3)
        #expect(note.serialized == Vector.note)
        #expect(Array(note.serialized.utf8).suffix(Array(Vector.signatureLine.utf8).count).starts(with: [0xE2, 0x80, 0x94, 0x20]))
    }

    @Test("the published note verifies with the verifier key")
    func verifiesTheVector() throws {
        let verifier = try NoteVerifier(vkey: Vector.vkey)

        let note = try Note(parsing: Vector.note)
        let verified = try note.verify(by: [verifier])

        #expect(note.text == Vector.text)
        #expect(note.signatures.count == 1)
        #expect(verified == [verifier])
    }

    @Test("a changed signature or text is rejected")
    func tampered() throws {
        let verifier = try NoteVerifier(vkey: Vector.vkey)
        var signatureBytes = Array(Vector.note.utf8)
        signatureBytes[signatureBytes.count - 10] =
            UInt8(ascii: "A") == signatureBytes[signatureBytes.count - 10] ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let changedText = Vector.note.replacing("cryptography", with: "blockchains!")

        expectLedgerError(.invalidSignature) { try Note(parsing: signatureBytes).verify(by: [verifier]) }
        let error = expectLedgerError(.invalidSignature) { try Note(parsing: changedText).verify(by: [verifier]) }
        #expect(error?.description.contains("PeterNeumann+c74f20a3") == true)
    }

    @Test("signatures by unknown keys are ignored; a note with none by a known key is unverified")
    func unknownKeys() throws {
        let other = try NoteSigner.generate(name: "witness.example/w1")
        let peter = try NoteVerifier(vkey: Vector.vkey)
        let both = try Note(parsing: Vector.note + other.sign(Vector.text).line)

        #expect(try both.verify(by: [peter]) == [peter])
        #expect(try both.verify(by: [other.verifier, peter]).count == 2)
        let error = expectLedgerError(.unverifiedNote) { try Note(parsing: Vector.note).verify(by: [other.verifier]) }
        #expect(error?.description.contains("PeterNeumann+c74f20a3") == true)
    }

    @Test("a key with the right name and ID but another key, is a bad signature, not an unknown one")
    func sameNameOtherKey() throws {
        let impostor = try NoteSigner.generate(name: "PeterNeumann")
        let forged = Note.Signature(name: "PeterNeumann", keyID: 0xc74f_20a3, signature: try impostor.sign(Vector.text).signature)
        let note = try Note(text: Vector.text, signatures: [forged])

        expectLedgerError(.invalidSignature) { try note.verify(by: [NoteVerifier(vkey: Vector.vkey)]) }
    }

    @Test("a generated key round-trips through its key strings and signs what verifies")
    func generated() throws {
        let signer = try NoteSigner.generate(name: "rumorcontrol.example/log")
        let restored = try NoteSigner(skey: signer.skey)
        let verifier = try NoteVerifier(vkey: signer.verifier.vkey)

        let note = try Note.sign("hello\n", by: [restored])

        #expect(restored.verifier == signer.verifier)
        #expect(try Note(parsing: note.serialized).verify(by: [verifier]) == [verifier])
    }

    @Test(
        "malformed verifier keys give precise errors",
        arguments: [
            ("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", LedgerError.Code.keyIDMismatch),
            ("PeterNeumannX+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", .keyIDMismatch),
            ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T", .malformedKey),
            ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T!", .malformedKey),
            ("PeterNeumann+c74f20a3+Alpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", .malformedKey),
            ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWAA==", .malformedKey),
            ("PeterNeumann+c74f20+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", .malformedKey),
            ("PeterNeumann+c74f20g3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", .malformedKey),
            ("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", .malformedKey),
            ("+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", .malformedKey),
            ("PeterNeumann+c74f20a3", .malformedKey),
            ("", .malformedKey),
        ])
    func malformedVerifierKeys(vkey: String, code: LedgerError.Code) {
        expectLedgerError(code) { _ = try NoteVerifier(vkey: vkey) }
    }

    @Test(
        "malformed signer keys give precise errors",
        arguments: [
            ("PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz", LedgerError.Code.keyIDMismatch),
            ("PRIVATE+KEY+PeterNeumann+c74f20a3+AoEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz", .malformedKey),
            ("PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDF", .malformedKey),
            ("PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz", .malformedKey),
            ("PRIVATE+KEY+PeterNeumann+AYEKFALVFGyNhPJEMzD1QIDr", .malformedKey),
        ])
    func malformedSignerKeys(skey: String, code: LedgerError.Code) {
        expectLedgerError(code) { _ = try NoteSigner(skey: skey) }
    }

    @Test(
        "malformed notes give precise errors",
        arguments: [
            Vector.text + Vector.signatureLine,
            Vector.text + "\n" + String(Vector.signatureLine.dropLast()),
            Vector.text + "\n",
            Vector.text + "\n" + "-" + Vector.signatureLine.dropFirst(),
            Vector.text + "\n"
                + "\u{2014}PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
            Vector.text + "\n"
                + "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM\n",
            Vector.text + "\n"
                + "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJ%AM=\n",
            Vector.text + "\n" + "\u{2014} PeterNeumann\n",
            Vector.text + "\n"
                + "\u{2014} Peter+Neumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
            Vector.text + "\n" + "\u{2014} PeterNeumann x08g\n",
            Vector.text + "\n" + Vector.signatureLine + "\n",
            "If you think\tcryptography is the answer\n\n" + Vector.signatureLine,
            "no newline at the end" + "\n" + Vector.signatureLine,
            Vector.text + "\n" + String(repeating: Vector.signatureLine, count: 101),
            "",
        ])
    func malformedNotes(note: String) {
        expectLedgerError(.malformedNote) { _ = try Note(parsing: note) }
    }

    @Test("a note that is not UTF-8 is malformed, and so are texts a note cannot hold")
    func malformedTexts() throws {
        let signer = try NoteSigner(skey: Vector.skey)

        expectLedgerError(.malformedNote) { _ = try Note(parsing: [0x66, 0xFF, 0x0A, 0x0A] + Array(Vector.signatureLine.utf8)) }
        expectLedgerError(.malformedNote) { _ = try Note.sign("no newline", by: [signer]) }
        expectLedgerError(.malformedNote) { _ = try Note.sign("bell\u{07}\n", by: [signer]) }
        expectLedgerError(.malformedNote) { _ = try Note.sign("delete\u{7F}\n", by: [signer]) }
        expectLedgerError(.malformedNote) { _ = try Note.sign("nobody signs\n", by: []) }
        expectLedgerError(.malformedKey) { _ = try NoteSigner.generate(name: "two words") }
    }
}
