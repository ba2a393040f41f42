import InMemoryRoot
import RootFS
import Testing
@testable import Doctor

/// Reading dpkg's file lists: which lists count (x86-64's, named as Debian names packages),
/// which lines match a library's name, and what the planner's step for a person then says.
/// The root's real dpkg judges the names (PackageReinstallTests); these are the edges.
@Suite("dpkg's file lists name the package to reinstall")
struct DpkgFileListTests {
    static func root(_ lists: [String: String]) -> RootView {
        var files = MemoryRoot(label: "dpkg")
        for (name, text) in lists { files.file("/var/lib/dpkg/info/" + name, text: text) }
        return RootView(files)
    }

    @Test("a list's package: Debian's grammar, amd64 or no qualifier; anything else is nobody's",
          arguments: [("libwebp6.list", "libwebp6"), ("libwebp6:amd64.list", "libwebp6:amd64"), ("libstdc++6:amd64.list", "libstdc++6:amd64"),
                      ("lib32z1.list", "lib32z1"), ("libwebp6:i386.list", nil), ("libwebp6:.list", nil), ("Libwebp6.list", nil),
                      ("x.list", nil), ("-x.list", nil), (".list", nil), ("lib$(reboot).list", nil), ("lib foo.list", nil),
                      ("lib;rm.list", nil), ("lib\nfoo.list", nil), ("libwebp6:amd64:amd64.list", nil)] as [(String, String?)])
    func packageNames(_ list: String, _ package: String?) {
        #expect(DpkgFileList.package(ofList: list) == package)
    }

    @Test("lines ending in /NAME match, in x86-64 directories; other architectures' lists and paths do not")
    func entries() {
        let view = Self.root([
            "libfoo1:amd64.list": "/.\n/usr\n/usr/lib/x86_64-linux-gnu/libfoo.so.1.2\n/usr/lib/x86_64-linux-gnu/libfoo.so.1\n/usr/share/doc/libfoo1\n",
            "libfoo1:i386.list": "/usr/lib/i386-linux-gnu/libfoo.so.1\n",
            "lib32foo1.list": "/usr/lib32/libfoo.so.1\n",
            "libfoo-compat.list": "/opt/compat/libfoo.so.1\n/opt/compat/xlibfoo.so.1\n",
            "libfoo1:amd64.md5sums": "d41d8cd98f00b204e9800998ecf8427e  usr/lib/x86_64-linux-gnu/libfoo.so.1\n",
        ])
        let entries = DpkgFileList(root: view).entries(named: "libfoo.so.1")
        #expect(entries == [DpkgFileList.Entry(package: "libfoo-compat", path: "/opt/compat/libfoo.so.1"),
                            DpkgFileList.Entry(package: "libfoo1:amd64", path: "/usr/lib/x86_64-linux-gnu/libfoo.so.1")])
        #expect(DpkgFileList(root: view).entries(named: "x86_64-linux-gnu/libfoo.so.1").isEmpty)
        #expect(DpkgFileList(root: view).entries(named: "").isEmpty)
        #expect(DpkgFileList(root: Self.root([:])).entries(named: "libfoo.so.1").isEmpty)
    }

    @Test("the person's step names the package and the command (apt-get update first; none without apt-get); without a list entry it stays general",
          arguments: [true, false])
    func plannerStep(hasApt: Bool) throws {
        var root = PlannerTests.needing(["libgone.so.1", "libnowhere.so.1"])
        root.files.file("/var/lib/dpkg/info/libgone1:amd64.list", text: "/usr/lib/x86_64-linux-gnu/libgone.so.1\n/usr/lib/x86_64-linux-gnu/libgone.so.1.0\n")
        if hasApt { root.files.file("/usr/bin/apt-get", text: "#!/bin/sh\n", mode: 0o755) }
        let outcome = try PlannerTests.plan(root)
        let remedies = Dictionary(outcome.blockers.map { ($0.summary, $0.remedy ?? "") }) { $1 }
        let command = hasApt ? "apt-get update && apt-get install --reinstall libgone1:amd64"
                             : "the root has no apt-get: install the .deb of the version dpkg lists with dpkg -i"
        #expect(remedies["libgone.so.1 is nowhere usable in the root"]
                == "reinstall libgone1:amd64 (\(command)): dpkg lists /usr/lib/x86_64-linux-gnu/libgone.so.1 among its files, and it is gone")
        #expect(remedies["libnowhere.so.1 is nowhere usable in the root"] == "install the package that provides libnowhere.so.1")
    }
}
