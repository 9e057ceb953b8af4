import Crypto
import Foundation
import RumorLedger
import Synchronization
import Testing

/// The examples of C2SP tlog-cosignature v1.0.1 and tlog-witness v1.0.0, byte for byte.
enum WitnessVectors {
    /// tlog-cosignature's example: a checkpoint with the log's signature and a witness's cosignature.
    static let cosignedCheckpoint = """
        example.com/behind-the-sofa
        20852163
        CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

        — example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
        — witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==

        """
    /// tlog-cosignature's example of the signed message (for the time in the example's cosignature).
    static let cosignedMessage = """
        cosignature/v1
        time 1679315147
        example.com/behind-the-sofa
        20852163
        CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

        """
    /// tlog-witness's example add-checkpoint request body.
    static let request = """
        old 20852014
        PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=
        jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=
        5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=
        /6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=

        example.com/behind-the-sofa
        20852163
        CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

        — example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
        — example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=

        """
}

/// A witness's state in memory, for the witness's own rules (the SQLite and PostgreSQL stores have tests of their own).
final class MemoryWitnessState: WitnessStateStore {
    private let logs: Mutex<[String: WitnessedLog]>

    init(_ logs: [WitnessedLog]) {
        self.logs = Mutex(Dictionary(uniqueKeysWithValues: logs.map { ($0.origin, $0) }))
    }

    func witnessedLog(origin: String) async throws -> WitnessedLog? { logs.withLock { $0[origin] } }

    func advance(origin: String, fromSize: Int, fromRoot: Hash, toSize size: Int, root: Hash) async throws -> Bool {
        logs.withLock { logs in
            guard let log = logs[origin], log.size == fromSize, log.root == fromRoot else { return false }
            logs[origin] = WitnessedLog(origin: origin, verifiers: log.verifiers, size: size, root: root)
            return true
        }
    }
}

@Suite("Witness cosignatures (C2SP tlog-cosignature, tlog-witness)")
struct WitnessTests {
    @Test("the specification's cosigned checkpoint parses: key ID, big-endian time, 64-byte signature; its signed message is as specified")
    func specificationExample() throws {
        let note = try Note(parsing: WitnessVectors.cosignedCheckpoint)
        #expect(note.signatures.count == 2)
        let cosignature = note.signatures[1]
        #expect(cosignature.name == "witness.example.com/w1")
        #expect(cosignature.keyID == 0x8d66_cf3f)
        #expect(cosignature.signature.count == 8 + 64)
        let time = cosignature.signature.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(time == 1_679_315_147)
        #expect(CosignatureVerifier.message(text: note.text, timestamp: time) == Array(WitnessVectors.cosignedMessage.utf8))
        // The example's witness key is not published: a key of that name finds the line by name only, and rejects it.
        let other = try CosignatureSigner.generate(name: "witness.example.com/w1").verifier
        #expect(note.cosignatures(by: [other]).isEmpty)
    }

    @Test("the specification's add-checkpoint request parses and is written back byte for byte; malformed ones say what is wrong")
    func requestFormat() throws {
        let request = try AddCheckpointRequest(parsing: Array(WitnessVectors.request.utf8))
        #expect(request.oldSize == 20_852_014)
        #expect(request.proof.count == 4)
        #expect(request.proof[0].base64 == "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=")
        #expect(try Note(parsing: request.checkpoint).signatures.count == 2)
        #expect(request.body == WitnessVectors.request)
        #expect(AddCheckpointRequest(oldSize: 0, proof: [], checkpoint: "c\n\n— k AAAA\n").body == "old 0\n\nc\n\n— k AAAA\n")
        let malformed: [(String, String)] = [
            ("old 01\n\nx", "no leading zeroes"), ("old -1\n\nx", "old <size>"), ("new 5\n\nx", "old <size>"), ("old 5\nnot base64\n\nx", "proof line 1"),
            ("old 5\n" + String(repeating: Hash.emptyTree.base64 + "\n", count: 64) + "\nx", "at most 63"), ("old 5\n", "no blank line"),
        ]
        for (body, message) in malformed {
            #expect {
                try AddCheckpointRequest(parsing: Array(body.utf8))
            } throws: { ($0 as? LedgerError)?.code == .malformedWitnessRequest && "\($0)".contains(message) }
        }
        #expect(throws: LedgerError.malformedWitnessRequest("")) { try AddCheckpointRequest(parsing: [0x6F, 0xFF, 0x0A, 0x0A]) }
    }

    @Test("a cosignature: key ID over name, 0x04 and key; verifies on its checkpoint only; keys round-trip; a log key is not a witness key")
    func cosignatureRoundTrip() throws {
        let witness = try CosignatureSigner.generate(name: "witness.example.org/w1")
        let text = "example.org/log\n3\n\(Hash.emptyTree.base64)\n"
        let signature = try witness.cosign(text, at: 1_700_000_000)
        #expect(signature.line.hasPrefix("— witness.example.org/w1 "))
        #expect(Array(signature.signature.prefix(8)) == [0, 0, 0, 0, 0x65, 0x53, 0xF1, 0x00])
        #expect(witness.verifier.timestamp(of: signature.signature, for: text) == 1_700_000_000)
        #expect(witness.verifier.timestamp(of: signature.signature, for: text.replacingOccurrences(of: "3", with: "4")) == nil)
        var altered = signature.signature
        altered[7] ^= 1
        #expect(witness.verifier.timestamp(of: altered, for: text) == nil, "the time is signed")
        #expect(try CosignatureVerifier(vkey: witness.verifier.vkey) == witness.verifier)
        #expect(try CosignatureSigner(skey: witness.skey).verifier == witness.verifier)
        let keyBytes = Data(base64Encoded: String(witness.verifier.vkey.split(separator: "+", maxSplits: 2)[2])).map(Array.init) ?? []
        #expect(keyBytes == [0x04] + witness.verifier.publicKey, "base64 of 0x04 then the key")
        let log = try NoteSigner.generate(name: "example.org/log")
        #expect(throws: LedgerError.malformedKey("")) { try CosignatureVerifier(vkey: log.verifier.vkey) }
        #expect(throws: LedgerError.malformedKey("")) { try NoteVerifier(vkey: witness.verifier.vkey) }
        let digest = Array(SHA256.hash(data: Array("witness.example.org/w1\n".utf8) + [0x04] + witness.verifier.publicKey))
        #expect(witness.verifier.keyID == digest.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        #expect(signature.keyID == witness.verifier.keyID)
    }

    /// A log of `size` entries named by `prefix`, its signer, and a witness that knows it (at size 0).
    private func setUp(size: Int = 5, prefix: String = "entry") throws -> (log: MemoryLog, signer: NoteSigner, witness: Witness, state: MemoryWitnessState) {
        var log = MemoryLog()
        for index in 0..<size { _ = try log.append(Array("\(prefix) \(index)".utf8)) }
        let signer = try NoteSigner.generate(name: "example.org/log")
        let state = MemoryWitnessState([WitnessedLog(origin: "example.org/log", verifiers: [signer.verifier])])
        let witness = Witness(signer: try CosignatureSigner.generate(name: "witness.example.org/w1"), store: state, clock: { 1_700_000_000 })
        return (log, signer, witness, state)
    }

    private func request(_ log: MemoryLog, _ signer: NoteSigner, old: Int) throws -> [UInt8] {
        let note = try log.checkpoint(origin: signer.name).signed(by: signer)
        let proof = old == 0 ? [] : try log.consistencyProof(from: old, to: log.size).hashes
        return Array(AddCheckpointRequest(oldSize: old, proof: proof, checkpoint: note).body.utf8)
    }

    @Test("add-checkpoint: cosigns a consistent checkpoint and records it; answers 409 with the size, 404, 403, 400 and 422 as specified")
    func addCheckpoint() async throws {
        let fixture = try setUp()
        var log = fixture.log
        let (signer, witness, state) = (fixture.signer, fixture.witness, fixture.state)
        let first = try await witness.addCheckpoint(try request(log, signer, old: 0))
        #expect(first.status == 200, "\(first.body)")
        let note = try Note(parsing: try log.checkpoint(origin: signer.name).signed(by: signer))
        let cosigned = try note.adding([try Note(parsing: note.text + "\n" + first.body).signatures[0]])
        #expect(cosigned.cosignatures(by: [witness.signer.verifier]).map(\.timestamp) == [1_700_000_000])
        #expect(try await state.witnessedLog(origin: signer.name)?.size == 5)
        // The same checkpoint again is fine (old size = size, same root); a stale old size gets the size it knows.
        #expect(try await witness.addCheckpoint(try request(log, signer, old: 5)).status == 200)
        for _ in 0..<3 { _ = try log.append(Array("more".utf8)) }
        let stale = try await witness.addCheckpoint(try request(log, signer, old: 3))
        #expect(stale.status == 409 && stale.body == "5\n" && stale.contentType == "text/x.tlog.size")
        #expect(try await witness.addCheckpoint(try request(log, signer, old: 5)).status == 200)
        #expect(try await state.witnessedLog(origin: signer.name)?.size == 8)
        // Unknown log, untrusted key, old size above the checkpoint's, a proof that does not verify.
        let stranger = try NoteSigner.generate(name: "elsewhere.example/log")
        #expect(try await witness.addCheckpoint(try request(log, stranger, old: 0)).status == 404)
        let impostor = try NoteSigner.generate(name: "example.org/log")
        #expect(try await witness.addCheckpoint(try request(log, impostor, old: 8)).status == 403)
        let above = AddCheckpointRequest(oldSize: 9, proof: [], checkpoint: try log.checkpoint(origin: signer.name).signed(by: signer))
        #expect(try await witness.addCheckpoint(Array(above.body.utf8)).status == 400)
        for _ in 0..<2 { _ = try log.append(Array("again".utf8)) }
        let good = try log.consistencyProof(from: 8, to: 10).hashes
        let forged = AddCheckpointRequest(
            oldSize: 8, proof: good.map { _ in Hash.emptyTree }, checkpoint: try log.checkpoint(origin: signer.name).signed(by: signer))
        let refused = try await witness.addCheckpoint(Array(forged.body.utf8))
        #expect(refused.status == 422 && refused.body.contains("does not verify"), "\(refused.body)")
        #expect(try await witness.addCheckpoint(Array("garbage".utf8)).status == 400)
        #expect(try await state.witnessedLog(origin: signer.name)?.size == 8, "no refused request moved the log")
    }

    @Test("a fork: the witness cosigns one of two checkpoints of the same size and refuses the other, and anything built on it")
    func fork() async throws {
        let (honest, signer, witness, _) = try setUp(size: 6)
        var forked = MemoryLog()
        for index in 0..<6 { _ = try forked.append(Array((index == 4 ? "edited entry 4" : "entry \(index)").utf8)) }
        #expect(try await witness.addCheckpoint(try request(honest, signer, old: 0)).status == 200)
        let other = try await witness.addCheckpoint(try request(forked, signer, old: 6))
        #expect(other.status == 409 && other.body.contains("fork"), "\(other.body)")
        var grown = forked
        _ = try grown.append(Array("entry 6".utf8))
        #expect(try await witness.addCheckpoint(try request(grown, signer, old: 6)).status == 422)
    }

    @Test("concurrent add-checkpoint calls for one log never move it backwards")
    func concurrentAdds() async throws {
        let fixture = try setUp(size: 1)
        var log = fixture.log
        let (signer, witness, state) = (fixture.signer, fixture.witness, fixture.state)
        var bodies: [(size: Int, body: [UInt8])] = []
        #expect(try await witness.addCheckpoint(try request(log, signer, old: 0)).status == 200)
        for size in 2...40 {
            _ = try log.append(Array("entry \(size)".utf8))
            bodies.append((size, try request(log, signer, old: 1)))
        }
        // Every request claims the witness is at size 1: exactly one may win; the rest get 409 with a larger size.
        let statuses = try await withThrowingTaskGroup(of: (Int, Witness.Response).self) { group in
            for (size, body) in bodies { group.addTask { (size, try await witness.addCheckpoint(body)) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let winners = statuses.filter { $0.1.status == 200 }
        #expect(winners.count == 1)
        let recorded = try await state.witnessedLog(origin: signer.name)?.size
        #expect(recorded == winners.first?.0)
        for (_, response) in statuses where response.status == 409 { #expect(Int(response.body.dropLast()) == recorded) }
    }

    @Test("a reader with a quorum: enough valid cosignatures pass; too few fail, naming who did and did not cosign")
    func quorum() async throws {
        let (log, signer, _, _) = try setUp()
        let witnesses = try (1...3).map { try CosignatureSigner.generate(name: "witness.example.org/w\($0)") }
        let note = try Note(parsing: try log.checkpoint(origin: signer.name).signed(by: signer))
        let two = try note.adding(try witnesses.prefix(2).map { try $0.cosign(note.text, at: 1_700_000_000) }).serialized
        let opened = try Checkpoint.open(two, verifier: signer.verifier, witnesses: witnesses.map(\.verifier), quorum: 2)
        #expect(opened.checkpoint.size == 5 && opened.cosigned.count == 2)
        #expect {
            try Checkpoint.open(two, verifier: signer.verifier, witnesses: witnesses.map(\.verifier), quorum: 3)
        } throws: { error in
            let message = "\(error)"
            return (error as? LedgerError)?.code == .quorumNotMet && message.contains("witness.example.org/w3") && message.contains("has 2")
        }
        // A cosignature of another checkpoint (a fork's) does not count for this one.
        let otherText = note.text.replacingOccurrences(of: "\n5\n", with: "\n6\n")
        let misplaced = try note.adding([try witnesses[2].cosign(otherText, at: 1_700_000_000)]).serialized
        #expect(throws: LedgerError.quorumNotMet(quorum: 1, cosigned: [], missing: [])) {
            try Checkpoint.open(misplaced, verifier: signer.verifier, witnesses: [witnesses[2].verifier], quorum: 1)
        }
    }
}
