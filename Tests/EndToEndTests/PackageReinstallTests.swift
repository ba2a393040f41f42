import Foundation
import Testing

/// A library a Debian package installed, deleted since: the step for a person names the
/// package to reinstall (`apt-get install --reinstall PACKAGE`), read from the root's dpkg
/// database, where it used to say "install the package that provides" the soname. The
/// roots are hard-linked copies of the Debian roots with libwebp's files removed; the root's
/// own loader says the library is missing, and the root's own `dpkg -S` and `dpkg-query`
/// say which package owned the file and that it is installed under the name printed.
@Suite("a library dpkg installed and is gone: the package to reinstall, as the root's dpkg names it", .serialized)
struct PackageReinstallTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var root: String
        var consumer: String
        var library: String
        var testDescription: String { "\(library) in \(root)" }
    }

    static let multiarch = "/usr/lib/x86_64-linux-gnu"
    static let cases = [
        Case(root: "/var/cache/ofdoctor-bullseye", consumer: multiarch + "/libtiff.so.5", library: "libwebp.so.6"),
        Case(root: "/var/cache/ofdoctor-trixie", consumer: multiarch + "/libtiff.so.6", library: "libwebp.so.7"),
    ]
    static var isAvailable: Bool {
        RealLoader.canRunRoots && cases.allSatisfy { FileManager.default.fileExists(atPath: $0.root + $0.consumer) }
    }

    /// Runs `script` in the root (chroot; dpkg needs no /proc).
    static func inRoot(_ root: String, _ script: String) -> (status: Int32, stdout: String, stderr: String) {
        let run = ImageE2E.run("/usr/sbin/chroot", [root, "/bin/sh", "-c", script])
        return (run.status, run.stdout, run.stderr)
    }

    /// The root's own loader's `--list` of `program`, in the root with /proc (no /launch needed).
    static func loaderList(_ root: String, _ program: String) -> (status: Int32, stdout: String, stderr: String) {
        let run = ImageE2E.run("/usr/bin/unshare", ["-m", "--propagation", "private", "/bin/sh", "-c",
                                                   #"mount -t proc proc "$1/proc" && exec chroot "$1" /lib64/ld-linux-x86-64.so.2 --list "$2""#,
                                                   "sh", root, program])
        return (run.status, run.stdout, run.stderr)
    }

    @Test("check names the package dpkg says installed the file, and the printed command's package is installed under that name",
          .enabled(if: isAvailable, "needs root and the Debian roots (bash scripts/debian-root.sh bullseye; … trixie)"),
          arguments: cases)
    func namesThePackageToReinstall(_ debian: Case) throws {
        let work = try ImageE2E.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let root = work + "/root"
        // (hard links: a copy in a second, and removing a name there leaves the cached root
        // whole; a whole copy where the temporary directory is on another file system)
        let copied = ImageE2E.run("/bin/sh", ["-c", #"{ cp -al "$1" "$2" 2>/dev/null || { rm -rf "$2" && cp -a "$1" "$2"; }; } && rm -f "$2$3/$4"*"#,
                                              "sh", debian.root, root, Self.multiarch, debian.library])
        try #require(copied.status == 0, "\(copied.stderr)")

        // The oracles: the root's loader misses the library; its dpkg owned the file.
        let real = Self.loaderList(root, debian.consumer)
        #expect(real.stdout.contains("\(debian.library) => not found") || real.stderr.contains("\(debian.library): cannot open shared object file"), "\(real)")
        let owner = Self.inRoot(root, "dpkg -S '\(Self.multiarch)/\(debian.library)'")
        try #require(owner.status == 0, "\(owner.stderr)")
        let package = try #require(owner.stdout.split(separator: ":").first.map(String.init))
        #expect(package.hasPrefix("libwebp"))

        let check = Command.ofdoctor(["check", "--root", root, "--format", "json", debian.consumer])
        #expect(check.status == 2, "\(check.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])
        let findings = try #require(json["findings"] as? [[String: Any]])
        // (LD002, or OF001 for libwebp.so.7, the seed's own failure)
        let missing = try #require(findings.first { ["LD002", "OF001"].contains($0["id"] as? String) && ($0["summary"] as? String)?.contains(debian.library) == true },
                                   "\(check.stdout)")
        let remedy = try #require(missing["remedy"] as? String)
        let command = try #require(remedy.range(of: #"apt-get update && apt-get install --reinstall [^ ),]+"#, options: .regularExpression).map { String(remedy[$0]) },
                                   "no command in: \(remedy)")
        // (from outside, pasted on this machine it would change this machine)
        #expect(remedy.contains(command + ", run inside the root or its container"), "\(remedy)")
        let named = try #require(command.split(separator: " ").last.map(String.init))
        // (dpkg -S prints a Multi-Arch: same package's architecture; the name printed may carry it)
        #expect(named == package || named.hasPrefix(package + ":"), "\(remedy) against dpkg -S: \(owner.stdout)")
        #expect(remedy.contains("\(Self.multiarch)/\(debian.library)"), "\(remedy)")
        let installed = Self.inRoot(root, "dpkg-query -W -f '${db:Status-Status}' \(named)")
        #expect(installed.status == 0 && installed.stdout == "installed", "\(installed)")

        // A library cut short (a copy put in place of dpkg's file: the cached root keeps its
        // own): the remedy reinstalls its package, found through the link dpkg did not list.
        let cut = ImageE2E.run("/bin/sh", ["-c", #"f=$(readlink -f "$1$2/libjpeg.so.62") && head -c 200000 "$f" > "$f.cut" && mv "$f.cut" "$f" && echo "${f#$1}""#,
                                           "sh", root, Self.multiarch])
        try #require(cut.status == 0, "\(cut.stderr)")
        let cutFile = cut.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let jpegOwner = Self.inRoot(root, "dpkg -S '\(cutFile)'")
        let jpeg = try #require(jpegOwner.stdout.split(separator: ":").first.map(String.init), "\(jpegOwner)")
        let damaged = Command.ofdoctor(["check", "--root", root, "--format", "json", debian.consumer])
        let damagedJSON = try #require(try JSONSerialization.jsonObject(with: Data(damaged.stdout.utf8)) as? [String: Any])
        let cutFinding = try #require((damagedJSON["findings"] as? [[String: Any]])?.first { ($0["summary"] as? String)?.contains("libjpeg.so.62 is cut short") == true },
                                      "\(damaged.stdout)")
        let cutRemedy = try #require(cutFinding["remedy"] as? String)
        #expect(cutRemedy.hasPrefix("Reinstall \(jpeg)") && cutRemedy.contains("(apt-get update && apt-get install --reinstall \(jpeg)"), "\(cutRemedy) against dpkg -S: \(jpegOwner.stdout)")
        let blockers = try #require(damagedJSON["personSteps"] as? [[String: Any]], "\(damaged.stdout)")
        #expect(blockers.contains { ($0["remedy"] as? String) == cutRemedy }, "the person's step says the same: \(blockers)")

        // A soname no package lists keeps the general step.
        let other = ImageE2E.run("/bin/sh", ["-c", #"cp "$1$2/$3" "$1/usr/local/lib/libmine.so.1" && patchelf --replace-needed "$4" libnowhere.so.9 "$1/usr/local/lib/libmine.so.1""#,
                                             "sh", root, Self.multiarch, (debian.consumer as NSString).lastPathComponent, debian.library])
        try #require(other.status == 0, "\(other.stderr)")
        let general = Command.ofdoctor(["check", "--root", root, "--format", "json", "/usr/local/lib/libmine.so.1"])
        #expect(general.stdout.contains("install the package that provides libnowhere.so.9"), "\(general.stdout)")
        #expect(!general.stdout.contains("libnowhere.so.9 (apt-get"), "\(general.stdout)")
    }

    /// Whether the Debian mirror the roots were made from answers (the pasted command fetches
    /// the package from it).
    static let mirrorAnswers: Bool = {
        let probe = Command.run("/usr/bin/python3", ["-c", "import urllib.request; urllib.request.urlopen('http://deb.debian.org/debian/dists/bullseye/Release', timeout=10).read(1)"])
        return probe.status == 0
    }()

    @Test("the printed command, pasted in a copy of the root that ships without apt's lists as images do, puts the library back: the root's loader finds it, and check passes",
          .enabled(if: isAvailable, "needs root and the Debian 11 root (bash scripts/debian-root.sh bullseye)"),
          .enabled(if: mirrorAnswers, "needs the Debian mirror deb.debian.org, which the pasted apt-get fetches the package from"))
    func pastedCommandReinstalls() throws {
        let debian = Self.cases[0]
        let work = try ImageE2E.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let root = work + "/root"
        // (a whole copy: apt and dpkg rewrite files in place that a hard-linked copy shares)
        let copied = ImageE2E.run("/bin/sh", ["-c", #"cp -a "$1" "$2" && rm -rf "$2"/var/lib/apt/lists/* && rm -f "$2$3/$4"* && cp /etc/resolv.conf "$2/etc/resolv.conf""#,
                                              "sh", debian.root, root, Self.multiarch, debian.library])
        try #require(copied.status == 0, "\(copied.stderr)")

        let check = Command.ofdoctor(["check", "--root", root, "--format", "json", debian.consumer])
        let missing = try #require((try? JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])
            .flatMap { $0["findings"] as? [[String: Any]] }?.first { ($0["summary"] as? String)?.contains(debian.library) == true }, "\(check)")
        let remedy = try #require(missing["remedy"] as? String)
        let suffix = ", run inside the root or its container"
        let start = try #require(remedy.range(of: "apt-get update && "), "\(remedy)")
        let end = try #require(remedy.range(of: suffix, range: start.upperBound..<remedy.endIndex), "\(remedy)")
        let command = String(remedy[start.lowerBound..<end.lowerBound])

        // Without the update, apt changes nothing and says so with exit 0: the command the
        // check printed before.
        let plain = Self.inRoot(root, String(command.dropFirst("apt-get update && ".count)))
        #expect(plain.stdout.contains("is not possible"), "\(plain)")
        let pasted = Self.inRoot(root, command)
        #expect(pasted.status == 0, "\(command): \(pasted)")
        let listed = Self.loaderList(root, debian.consumer)
        #expect(listed.status == 0 && listed.stdout.contains(debian.library + " => "), "\(listed)")
        let again = Command.ofdoctor(["check", "--root", root, debian.consumer])
        #expect(again.status == 0, "\(again)")
    }
}
