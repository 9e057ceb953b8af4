import Foundation
import RumorCore
import RumorLedger
import RumorMonitor
import RumorStore
import Testing

@Suite("A split view: two histories of one log, caught by witnesses")
struct SplitViewTests {
    /// The honest site, and a fork of it: the same number of leaves, with one entry's text quietly edited and its leaf
    /// rewritten to match, so that on its own each looks like a valid log.
    private func forks() throws -> (honest: FakeSite, forked: FakeSite) {
        let honest = try FakeSite.shipped()
        var forked = honest
        forked.entries[3].reality += " (Edited under pressure.)"
        forked.records[3] = try FakeSite.record(forked.entries[3], action: .publish, time: "2024-10-01T12:00:00Z")
        return (honest, forked)
    }

    /// Three witnesses, each with its own SQLite state, witnessing the fake site's log.
    private func witnesses(in folder: TemporaryDirectory, log: NoteVerifier) async throws -> [Witness] {
        var witnesses: [Witness] = []
        for number in 1...3 {
            let state = try SQLiteWitnessState(path: folder.path + "/witness-\(number).sqlite")
            try await state.addLog(origin: FakeSite.origin, verifiers: [log])
            witnesses.append(Witness(signer: try CosignatureSigner.generate(name: "witness.example.org/w\(number)"), store: state))
        }
        return witnesses
    }

    /// The site's files with the checkpoint cosigned by `witnesses` (each asked from size 0); the statuses they answered.
    private func cosigned(_ site: FakeSite, by witnesses: [Witness]) async throws -> (MemoryLogSource, [Int]) {
        var source = try site.source()
        let note = try Note(parsing: String(decoding: source.files[SitePath.checkpoint]!, as: UTF8.self))
        var lines: [Note.Signature] = []
        var statuses: [Int] = []
        for witness in witnesses {
            let answer = try await witness.addCheckpoint(Array(AddCheckpointRequest(oldSize: 0, proof: [], checkpoint: note.serialized).body.utf8))
            statuses.append(answer.status)
            if answer.status == 200 { lines += try Note(parsing: note.text + "\n" + answer.body).signatures }
            if answer.status == 409, let size = Int(answer.body.dropLast()) {
                // The log's next try, as WitnessCosigner makes it: from the size the witness knows.
                let retry = AddCheckpointRequest(oldSize: size, proof: [], checkpoint: note.serialized)
                statuses[statuses.count - 1] = try await witness.addCheckpoint(Array(retry.body.utf8)).status
            }
        }
        source.files[SitePath.checkpoint] = Array(try note.adding(lines).serialized.utf8)
        return (source, statuses)
    }

    @Test("every honest witness cosigns one of two same-size forks; log verify with a quorum passes one and refuses the other, naming why")
    func splitView() async throws {
        let folder = try TemporaryDirectory()
        let (honest, forked) = try forks()
        let witnesses = try await witnesses(in: folder, log: honest.signer.verifier)
        let keys = witnesses.map(\.signer.verifier)

        let (honestSource, honestStatuses) = try await cosigned(honest, by: witnesses)
        #expect(honestStatuses == [200, 200, 200])
        let (forkedSource, forkedStatuses) = try await cosigned(forked, by: witnesses)
        #expect(forkedStatuses == [409, 409, 409], "a witness that cosigned one fork refuses the other")

        // Without witnesses, a reader who sees only the fork cannot tell.
        #expect(await LogMonitor(source: forkedSource, vkey: honest.signer.verifier.vkey).verify(state: nil).isOK)

        var monitor = LogMonitor(source: honestSource, vkey: honest.signer.verifier.vkey)
        monitor.witnesses = keys
        monitor.quorum = 2
        let passed = await monitor.verify(state: nil)
        #expect(passed.isOK, "\(passed.problems)")
        #expect(passed.notes.contains { $0.contains("cosigned by 3 of 3") })

        var forkMonitor = LogMonitor(source: forkedSource, vkey: honest.signer.verifier.vkey)
        forkMonitor.witnesses = keys
        forkMonitor.quorum = 2
        let refused = await forkMonitor.verify(state: nil)
        #expect(!refused.isOK)
        let problem = try #require(refused.problems.first)
        #expect(problem.check == .cosignatures)
        #expect(problem.message.contains("witness.example.org/w1") && problem.message.contains("has 0"), "\(problem.message)")
        // Copying the honest checkpoint's cosignatures onto the fork does not help: they sign the other root.
        var copied = forkedSource
        let honestNote = try Note(parsing: String(decoding: honestSource.files[SitePath.checkpoint]!, as: UTF8.self))
        let forkNote = try Note(parsing: String(decoding: forkedSource.files[SitePath.checkpoint]!, as: UTF8.self))
        copied.files[SitePath.checkpoint] = Array(try forkNote.adding(Array(honestNote.signatures.dropFirst())).serialized.utf8)
        forkMonitor = LogMonitor(source: copied, vkey: honest.signer.verifier.vkey)
        forkMonitor.witnesses = keys
        forkMonitor.quorum = 2
        #expect(await forkMonitor.verify(state: nil).problems.first?.check == .cosignatures)
    }

    @Test("a witness restarted keeps its state: it still knows the size it cosigned and still refuses the fork")
    func restart() async throws {
        let folder = try TemporaryDirectory()
        let (honest, forked) = try forks()
        let first = try await witnesses(in: folder, log: honest.signer.verifier)
        _ = try await cosigned(honest, by: first)
        let reopened = try SQLiteWitnessState(path: folder.path + "/witness-1.sqlite")
        let log = try #require(try await reopened.witnessedLog(origin: FakeSite.origin))
        #expect(log.size == honest.records.count)
        #expect(log.root == (try honest.log().root))
        // add-log again (say, to rotate keys) keeps what was cosigned.
        #expect(try await reopened.addLog(origin: FakeSite.origin, verifiers: [honest.signer.verifier]) == false)
        #expect(try await reopened.witnessedLog(origin: FakeSite.origin)?.size == honest.records.count)
        let again = Witness(signer: first[0].signer, store: reopened)
        let (_, statuses) = try await cosigned(forked, by: [again])
        #expect(statuses == [409])
    }
}
