import Foundation
import Testing
@testable import EOPLicense

@Suite("Trusted state survives a kill mid-write")
struct TrustedStateStoreTests {
    struct SimulatedKill: Error {}

    @Test func stateRoundTrips() throws {
        let store = TrustedStateStore(url: Fixtures.tempDirectory().appendingPathComponent("trusted-state.json"))
        #expect(try store.load() == TrustedState())
        let state = TrustedState(latestTrustedTime: Fixtures.now, highestSequence: ["acme": 3])
        try store.save(state)
        #expect(try TrustedStateStore(url: store.url).load() == state)
    }

    @Test func aKillBetweenWritingTheTempFileAndRenamingLeavesTheOldStateValid() throws {
        let url = Fixtures.tempDirectory().appendingPathComponent("trusted-state.json")
        let store = TrustedStateStore(url: url)
        let old = TrustedState(latestTrustedTime: Fixtures.now, highestSequence: ["acme": 3])
        try store.save(old)

        // Kill after the temp file is written and fsynced, before rename.
        store.beforeRenameHook = { temp in
            #expect(FileManager.default.fileExists(atPath: temp.path))
            throw SimulatedKill()
        }
        #expect(throws: LicenseError.self) {
            try store.save(TrustedState(latestTrustedTime: Fixtures.now + 3600, highestSequence: ["acme": 4]))
        }
        #expect(FileManager.default.fileExists(atPath: AtomicFile.temporaryURL(for: url).path))
        // A fresh process (new store) loads the old, valid state and ignores the leftover temp file.
        #expect(try TrustedStateStore(url: url).load() == old)

        // A torn (truncated) temp file from a kill during the write is ignored too…
        try Data("{\"latest_trusted_ti".utf8).write(to: AtomicFile.temporaryURL(for: url))
        let restarted = TrustedStateStore(url: url)
        #expect(try restarted.load() == old)
        // …and the next save replaces it and succeeds.
        let new = TrustedState(latestTrustedTime: Fixtures.now + 7200, highestSequence: ["acme": 5])
        try restarted.save(new)
        #expect(try TrustedStateStore(url: url).load() == new)
        #expect(!FileManager.default.fileExists(atPath: AtomicFile.temporaryURL(for: url).path))
    }

    @Test func aVerifierKilledWhileRecordingStillLeavesAUsableState() throws {
        let url = Fixtures.tempDirectory().appendingPathComponent("trusted-state.json")
        let store = TrustedStateStore(url: url)
        _ = try Fixtures.verifier(state: store).verify(armored: Fixtures.license(Fixtures.payload(sequence: 5)))
        store.beforeRenameHook = { _ in throw SimulatedKill() }
        let accepted = try Fixtures.verifier(at: Fixtures.now + Fixtures.day, state: store)
            .verify(armored: Fixtures.license(Fixtures.payload(sequence: 6)))
        #expect(accepted.warnings.contains { $0.hasPrefix("trusted state not recorded") })
        let reloaded = TrustedStateStore(url: url)
        #expect(try reloaded.load().highestSequence["acme"] == 5)
        _ = try Fixtures.verifier(at: Fixtures.now + Fixtures.day, state: reloaded).verify(armored: Fixtures.license(Fixtures.payload(sequence: 6)))
        #expect(try reloaded.load().highestSequence["acme"] == 6)
    }

    @Test func aCorruptStateFileIsReportedNotSilentlyReset() throws {
        let url = Fixtures.tempDirectory().appendingPathComponent("trusted-state.json")
        try Data("garbage".utf8).write(to: url)
        let error = Fixtures.licenseError { _ = try TrustedStateStore(url: url).load() }
        #expect(error?.field == "trusted_state")
    }
}
