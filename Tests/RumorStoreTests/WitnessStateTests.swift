import Foundation
import RumorLedger
import RumorStore
import RumorTestSupport
import Testing

@Suite("A witness's state, on SQLite and PostgreSQL")
struct WitnessStateTests {
    static let origin = "rumors.test/log"

    @Test("one row per log, moved only by compare-and-set: of thirty concurrent moves from one size, one wins; reopened, it is kept", arguments: StoreBackend.available)
    func compareAndSet(_ backend: StoreBackend) async throws {
        try await backend.withFreshDatabase { location in
            let state = try await openWitnessState(location)
            let signer = try NoteSigner.generate(name: Self.origin)
            #expect(try await state.addLog(origin: Self.origin, verifiers: [signer.verifier]))
            #expect(try await state.witnessedLog(origin: Self.origin) == WitnessedLog(origin: Self.origin, verifiers: [signer.verifier]))
            #expect(try await state.witnessedLog(origin: "other.test/log") == nil)
            let roots = (1...30).map { Hash.leaf(Array("root \($0)".utf8)) }
            let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                for (index, root) in roots.enumerated() {
                    group.addTask { try await state.advance(origin: Self.origin, fromSize: 0, fromRoot: .emptyTree, toSize: index + 1, root: root) }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(wins == 1)
            let log = try #require(try await state.witnessedLog(origin: Self.origin))
            #expect(log.size >= 1 && log.root == roots[log.size - 1])
            // A move from a size or root it no longer holds is refused, and changes nothing.
            #expect(try await state.advance(origin: Self.origin, fromSize: 0, fromRoot: .emptyTree, toSize: 40, root: roots[0]) == false)
            #expect(try await state.advance(origin: Self.origin, fromSize: log.size, fromRoot: .emptyTree, toSize: 40, root: roots[0]) == false)
            #expect(try await state.advance(origin: Self.origin, fromSize: log.size, fromRoot: log.root, toSize: 40, root: roots[0]))
            // add-log again (new keys) keeps what was cosigned; a reopened state has it all.
            let rotated = try NoteSigner.generate(name: Self.origin)
            #expect(try await state.addLog(origin: Self.origin, verifiers: [signer.verifier, rotated.verifier]) == false)
            let reopened = try await openWitnessState(location)
            let kept = try #require(try await reopened.witnessedLog(origin: Self.origin))
            #expect(kept.size == 40 && kept.root == roots[0] && kept.verifiers == [signer.verifier, rotated.verifier])
            #expect(try await reopened.logs().map(\.origin) == [Self.origin])
        }
    }
}
