import Foundation
import Testing

/// `fix --apply` killed with SIGKILL (a real signal, from OFDOCTOR_FAULT_AFTER_STEP) at every
/// step: afterwards `undo` restores the root exactly, or a second `fix --apply` completes
/// the plan and the program is healthy.
@Suite("fix --apply killed with SIGKILL at every step", .serialized)
struct ApplyKillTests {
    @Test("after a kill at step N, undo restores the root; after another kill, apply completes it",
          .enabled(if: FixtureRoot.named("all") != nil, "fixture roots not built: run `make fixtures`"))
    func killAtEveryStep() throws {
        let fixture = try #require(FixtureRoot.named("all"))
        let args = ["--root"]
        var step = 1
        var killed = 0
        while step < 200 {
            let root = try DoctorEndToEndTests.scratchCopy(fixture)
            defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
            let target = args + [root, "FeatureExtraction"] + DoctorEndToEndTests.envArguments(fixture)
            let before = try TreeSnapshot(root: root)
            let apply = Command.ofdoctor(["fix", "--apply"] + target, environment: ["OFDOCTOR_FAULT_AFTER_STEP": String(step)])
            if apply.status == 0 { break }                       // the plan has fewer steps: done
            #expect(apply.status == 137 || apply.status == 9 || apply.status > 128, "step \(step): \(apply.status) \(apply.stderr)")
            killed += 1
            if step % 2 == 1 {
                let undo = Command.ofdoctor(["undo", "--root", root])
                #expect(undo.status == 0, "undo after a kill at step \(step): \(undo.stderr)")
                #expect(try TreeSnapshot(root: root) == before, "undo after a kill at step \(step) left the root changed")
            } else {
                let again = Command.ofdoctor(["fix", "--apply"] + target)
                #expect(again.status == 0, "apply after a kill at step \(step): \(again.stdout) \(again.stderr)")
                let check = Command.ofdoctor(["check"] + target + ["--env", "LD_LIBRARY_PATH=/opt/OpenFace/build/lib"])
                #expect(check.status == 0, "after completing at step \(step): \(check.stdout)")
                #expect(Command.ofdoctor(["undo", "--root", root]).status == 0)
                #expect(try TreeSnapshot(root: root) == before, "undo after a completed apply (kill at \(step))")
            }
            step += 1
        }
        print("apply killed with SIGKILL at \(killed) steps")
        #expect(killed > 5)
    }
}
