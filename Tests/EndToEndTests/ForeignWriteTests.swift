import Foundation
import Testing

/// A missing library whose only copy lies where another user may change it. Linked beside
/// the system's libraries, listed in ld.so.conf.d or put on LD_LIBRARY_PATH, that copy would
/// let the user who may change it choose what other users' programs load (ld.so.cache
/// serves set-user-ID programs too). The plan leaves it off: a person's step names who may
/// change what, and the copy to make; made, the real loader starts the program. The same
/// root with the directory root's alone is planned, applied and started as before.
@Suite("copies other users may change stay off the loader's path", .serialized,
       .enabled(if: RealLoader.canRunRoots, RealLoader.unavailableReason))
struct ForeignWriteEndToEndTests {
    /// `/app/bin/prog` needs `libx.so.1`, whose only copy is `library` (`/srv/drop/libx.so.1`
    /// unless said), in a cache written before it was there.
    static func build(library: String = "/srv/drop/libx.so.1") throws -> ScratchBuild {
        try ScratchBuild("foreign-write", """
            bash -ec '. "$1/lib.sh"; mkroot root; launcher root; mkdir -p root/app/bin root/srv/drop' sh '\(FixtureRoot.scriptsDirectory)'
            /sbin/ldconfig -r root
            cat > x.c <<'EOF'
            int x_f(void) { return 7; }
            EOF
            cat > p.c <<'EOF'
            #include <stdio.h>
            int x_f(void);
            int main(void) { printf("x %d\\n", x_f()); return 0; }
            EOF
            gcc -shared -fPIC -o root\(library) -Wl,-soname,libx.so.1 x.c
            gcc -o root/app/bin/prog p.c root\(library)
            """)
    }

    struct Report: Decodable {
        struct Step: Decodable {
            var finding: String
            var summary: String
            var remedy: String?
        }
        var status: String
        var plan: [DoctorEndToEndTests.CheckJSON.ActionJSON]
        var personSteps: [Step]
    }

    static func check(_ root: String) throws -> (Command.Result, Report) {
        let result = Command.ofdoctor(["check", "--root", root, "--format", "json", "/app/bin/prog"])
        return (result, try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8)))
    }

    static func run(_ root: String) -> RealLoader.Outcome {
        RealLoader.run(root: root, program: "/app/bin/prog", argv0: "prog", environment: [:])
    }

    @Test("the only copy where others may change it: a person's step says who and what to copy; copied, the program starts",
          arguments: [("every user", "chmod 0777 root/srv/drop", "every user may write /srv/drop (mode 0777)", true),
                      ("every user, sticky", "chmod 1777 root/srv/drop", "every user may write /srv/drop (mode 1777)", false),
                      ("another user", "chown 1000:1000 root/srv/drop", "uid 1000 owns /srv/drop (mode 0755)", true),
                      ("a group", "chgrp 50 root/srv/drop && chmod 0775 root/srv/drop", "group 50 may write /srv/drop (mode 0775)", true),
                      ("the file's owner", "chown 1000 root/srv/drop/libx.so.1", "uid 1000 owns /srv/drop/libx.so.1 (mode 0755)", true)])
    func leftToAPerson(_ label: String, _ change: String, _ said: String, _ offersTightening: Bool) throws {
        let build = try Self.build()
        defer { build.remove() }
        let root = build.dir + "/root"
        #expect(Command.run("/bin/sh", ["-ec", "cd \"$0\" && " + change, build.dir]).status == 0)
        let before = Self.run(root)
        #expect(before.status == 127 && before.stderr.contains("libx.so.1: cannot open shared object file"), "\(before)")

        let (result, report) = try Self.check(root)
        #expect(result.status == 2 && report.status == "unfixable", "\(label): \(result.stdout)")
        #expect(report.plan.isEmpty, "\(label): \(report.plan.map(DoctorEndToEndTests.describe))")
        let step = try #require(report.personSteps.first, "\(label): \(result.stdout)")
        #expect(report.personSteps.count == 1 && step.finding == "LD002")
        #expect(step.summary == "libx.so.1 is there only where other users may change it")
        let remedy = step.remedy ?? ""
        #expect(remedy.contains(said + " on the way to /srv/drop/libx.so.1") && remedy.contains("copy the library to /usr/local/lib"),
                "\(label): \(remedy)")
        #expect(remedy.contains("chmod go-w") == offersTightening, "\(label): \(remedy)")
        let text = Command.ofdoctor(["fix", "--root", root, "/app/bin/prog"], environment: ["COLUMNS": "500"])
        #expect(text.status == 2 && text.stdout.contains("no automatic fix") && text.stdout.contains(said), "\(text.stdout)")

        // What the step says, done by a person: the real loader starts the program, and check agrees.
        #expect(Command.run("/bin/sh", ["-ec", "cd \"$0\" && cp root/srv/drop/libx.so.1 root/usr/local/lib/ && /sbin/ldconfig -r root", build.dir],
                            environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]).status == 0)
        let after = Self.run(root)
        #expect(after.status == 0 && after.stdout == "x 7\n", "\(after)")
        #expect(try Self.check(root).0.status == 0)
    }

    @Test("OpenFace built by uid 1000: OF003 is a person's step naming all four libraries; the rest is fixed; copied, the program starts",
          .enabled(if: RealLoader.isAvailable, RealLoader.unavailableReason))
    func openFaceOwnedByAUser() throws {
        let fixture = try #require(FixtureRoot.named("all"))
        let root = try DoctorEndToEndTests.scratchCopy(fixture)
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        #expect(Command.run("/bin/chown", ["-R", "1000:1000", root + "/opt/OpenFace"]).status == 0)
        let env = DoctorEndToEndTests.envArguments(fixture)
        let check = Command.ofdoctor(["check", "--root", root, "--format", "json", "FeatureExtraction"] + env)
        #expect(check.status == 2, "\(check.stderr)")
        let report = try JSONDecoder().decode(Report.self, from: Data(check.stdout.utf8))
        #expect(report.personSteps.map(\.finding) == ["OF003"], "\(report.personSteps)")
        let remedy = report.personSteps.first?.remedy ?? ""
        #expect(remedy.hasPrefix("uid 1000 owns /opt/OpenFace (mode 0755)")
                && remedy.contains("copy the libraries (libLandmarkDetector.so, libFaceAnalyser.so, libGazeAnalyser.so, libUtilities.so) to /usr/local/lib"),
                "\(remedy)")
        #expect(!report.plan.isEmpty && report.plan.allSatisfy { !$0.fixes.contains("OF003") && !($0.directories ?? []).contains("/opt/OpenFace/build/lib") })
        let apply = Command.ofdoctor(["fix", "--apply", "--root", root, "FeatureExtraction"] + env)
        #expect(apply.status == 2, "\(apply.stdout)\(apply.stderr)")
        #expect(Set(FixJourneyTests.notFound(root: root, environment: fixture.environment))
                == ["libLandmarkDetector.so", "libFaceAnalyser.so", "libGazeAnalyser.so", "libUtilities.so"])

        // The person's step, then the plan again: the real loader starts the program.
        #expect(Command.run("/bin/sh", ["-ec", "cd \"$0\" && cp opt/OpenFace/build/lib/lib*.so usr/local/lib/ && /sbin/ldconfig -r .", root],
                            environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"]).status == 0)
        let again = Command.ofdoctor(["fix", "--apply", "--root", root, "FeatureExtraction"] + env)
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        let started = DoctorEndToEndTests.runThroughProfile(root: root, environment: fixture.environment)
        #expect(started.status == 0 && started.stdout.contains("BLAS ok"), "\(started)")
    }

    @Test("MKL's companions in a conda owned by uid 1000: OF005 is a person's step to copy them beside the load path, its fix and candidates say so; copied, BLAS works",
          .enabled(if: RealLoader.isAvailable, RealLoader.unavailableReason))
    func companionsOwnedByAUser() throws {
        let fixture = try #require(FixtureRoot.named("of002-seed-fix"))
        let root = try DoctorEndToEndTests.scratchCopy(fixture)
        defer { try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent) }
        #expect(Command.run("/bin/chown", ["-R", "1000:1000", root + "/opt/conda/lib"]).status == 0)
        let env = DoctorEndToEndTests.envArguments(fixture)
        let check = Command.ofdoctor(["check", "--root", root, "--format", "json", "FeatureExtraction"] + env)
        #expect(check.status == 2, "\(check.stderr)")
        struct Findings: Decodable {
            struct Finding: Decodable {
                struct Candidate: Decodable { var path: String; var note: String? }
                var id: String
                var remedy: String?
                var candidates: [Candidate]
            }
            var findings: [Finding]
        }
        let report = try JSONDecoder().decode(Report.self, from: Data(check.stdout.utf8))
        let step = try #require(report.personSteps.first { $0.finding == "OF005" }, "\(report.personSteps)")
        let remedy = step.remedy ?? ""
        #expect(remedy.hasPrefix("uid 1000 owns /opt/conda/lib (mode 0755) on the way to /opt/conda/lib/libiomp5.so, ")
                && remedy.contains("copy the libraries (libiomp5.so, libmkl_core.so.2, libmkl_def.so.2, libmkl_gnu_thread.so.2, libmkl_intel_lp64.so.2) to /lib/x86_64-linux-gnu"),
                "\(remedy)")
        let finding = try #require(try JSONDecoder().decode(Findings.self, from: Data(check.stdout.utf8)).findings.first { $0.id == "OF005" })
        #expect(finding.remedy == step.remedy)
        #expect(!finding.candidates.isEmpty && finding.candidates.allSatisfy { $0.note?.hasPrefix("uid 1000 owns /opt/conda/lib (mode 0755): the plan leaves it off") == true },
                "\(finding.candidates)")
        #expect(report.plan.allSatisfy { !$0.fixes.contains("OF005") && !($0.target ?? "").hasPrefix("/opt/conda/lib/") })
        let before = DoctorEndToEndTests.runThroughProfile(root: root, environment: fixture.environment)
        #expect(!before.stdout.contains("BLAS ok"), "\(before)")

        // The person's step: the companions copied beside the load path; the plan's other steps applied.
        #expect(Command.run("/bin/sh", ["-ec", "cd \"$0\" && for f in libiomp5.so libmkl_core.so.2 libmkl_def.so.2 libmkl_gnu_thread.so.2 libmkl_intel_lp64.so.2; do cp opt/conda/lib/$f usr/lib/x86_64-linux-gnu/; done", root]).status == 0)
        let apply = Command.ofdoctor(["fix", "--apply", "--root", root, "FeatureExtraction"] + env)
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
        let started = DoctorEndToEndTests.runThroughProfile(root: root, environment: fixture.environment)
        #expect(started.status == 0 && started.stdout.contains("BLAS ok"), "\(started)")
    }

    @Test("a copy in a directory the root's ldconfig scans already, though a group may write it (Debian's staff and /usr/local): ldconfig is planned, as any ldconfig run would do it")
    func alreadyScannedIsPlanned() throws {
        let build = try Self.build(library: "/usr/local/lib/libx.so.1.0.0")
        defer { build.remove() }
        let root = build.dir + "/root"
        #expect(Command.run("/bin/sh", ["-ec", "cd \"$0\" && chgrp 50 root/usr/local/lib && chmod 2775 root/usr/local/lib", build.dir]).status == 0)
        let (result, report) = try Self.check(root)
        #expect(result.status == 1 && report.personSteps.isEmpty, "\(result.stdout)")
        #expect(report.plan.map(\.kind) == ["ldconfig"], "\(report.plan.map(DoctorEndToEndTests.describe))")
        let apply = Command.ofdoctor(["fix", "--apply", "--root", root, "/app/bin/prog"])
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
        let after = Self.run(root)
        #expect(after.status == 0 && after.stdout == "x 7\n", "\(after)")
    }

    @Test("the same copy in a directory only root may change: planned, applied, and the real loader starts the program")
    func rootsOwnIsPlanned() throws {
        let build = try Self.build()
        defer { build.remove() }
        let root = build.dir + "/root"
        let (result, report) = try Self.check(root)
        #expect(result.status == 1 && report.status == "fixable" && report.personSteps.isEmpty, "\(result.stdout)")
        #expect(report.plan.contains { ($0.directories ?? []).contains("/srv/drop") || $0.target?.hasPrefix("/srv/drop/") == true },
                "\(report.plan.map(DoctorEndToEndTests.describe))")
        let apply = Command.ofdoctor(["fix", "--apply", "--root", root, "/app/bin/prog"])
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
        let after = Self.run(root)
        #expect(after.status == 0 && after.stdout == "x 7\n", "\(after)")
    }
}
