import Foundation
import Testing

/// What `undo` says it did is what it did: a change someone else made since `fix --apply`
/// is kept, listed, and not counted as reverted.
@Suite("undo's count of reverted changes")
struct UndoSummaryTests {
    @Test("a link of the plan replaced by hand: undo puts the cache back, keeps the person's file, and counts 1 of 2 changes reverted",
          .enabled(if: RealLoader.canRunRoots, "needs root (ldconfig and the real loader in the scratch root)"))
    func replacedLinkIsNotCounted() throws {
        let root = try LinkPlanRoot.make("undo-count")
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        let cache = try Data(contentsOf: URL(fileURLWithPath: root + "/etc/ld.so.cache"))
        let apply = Command.ofdoctor(["fix", "--apply", "--root", root, LinkPlanRoot.program])
        try #require(apply.status == 0 && apply.stdout.contains("linked \(LinkPlanRoot.link)") && apply.stdout.contains("ran ldconfig"),
                     "the plan is a link and ldconfig: \(apply.stdout) \(apply.stderr)")
        // The person's own change: a copy of the library where ofdoctor's link was.
        try FileManager.default.removeItem(atPath: root + LinkPlanRoot.link)
        try FileManager.default.copyItem(atPath: root + LinkPlanRoot.library, toPath: root + LinkPlanRoot.link)

        let undo = Command.ofdoctor(["undo", "--root", root])
        #expect(undo.status == 2, "\(undo.stdout) \(undo.stderr)")
        let lines = undo.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "reverted 1 of 2 changes", "\(undo.stdout)")
        #expect(lines.dropFirst() == ["left alone: \(LinkPlanRoot.link): changed since fix --apply; left as it is"], "\(undo.stdout)")
        // What was counted was done, and what was not was not.
        #expect(try Data(contentsOf: URL(fileURLWithPath: root + "/etc/ld.so.cache")) == cache, "ldconfig's cache is not the one from before")
        let kept = try FileManager.default.attributesOfItem(atPath: root + LinkPlanRoot.link)
        #expect(kept[.type] as? FileAttributeType == .typeRegular, "the person's copy was not kept: \(kept)")
        let started = RealLoader.run(root: root, program: LinkPlanRoot.program, argv0: "prog", environment: [:])
        #expect(started.status == 0, "the loader finds the person's copy in the default directory: \(started)")
    }
}
