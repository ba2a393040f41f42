import Foundation
import SeededRandom
import Testing
@testable import LoaderModel
@testable import RootFS

@Suite("ldconfig model")
struct LdconfigModelTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/lib.sh").path

    /// Every symlink under `root` (root-relative path → link text).
    static func links(_ root: String) throws -> [String: String] {
        let r = try LdCacheTestSupport.sh("cd '\(root)' && find . -type l -printf '%P\\t%l\\n'")
        var result: [String: String] = [:]
        for line in r.out.split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 2 { result["/" + parts[0]] = String(parts[1]) }
        }
        return result
    }

    /// Builds a root with `script` (lib.sh sourced, `R` = the root), runs the model on it, runs
    /// the real `ldconfig -r` (the host's, or `ldconfig`) on a copy, and compares the cache and the links.
    @discardableResult
    static func compareWithLdconfig(_ script: String, ldconfig: String = "ldconfig") throws -> LdconfigModel {
        let work = try LdCacheTestSupport.makeTempDir("model")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let root = work + "/root", copy = work + "/copy"
        let built = try LdCacheTestSupport.sh("""
            set -e; . '\(fixtures)'; R='\(root)'; mkroot "$R"; cd '\(work)'
            echo 'int f(void){return 1;}' > f.c
            \(script)
            cp -a "$R" '\(copy)'
            """)
        try #require(built.status == 0, "fixture build failed: \(built.err)")
        let view = RootView(try LocalRoot(directory: root))
        let model = LdconfigModel(root: view)

        let before = try links(copy)
        let run = try LdCacheTestSupport.sh("'\(ldconfig)' -r '\(copy)'")
        #expect(run.status == 0, "\(run.err)")
        let after = try links(copy)
        let real = try LdSoCache(bytes: LdCacheTestSupport.bytes(copy + "/etc/ld.so.cache"))

        // The cache: same entries in the same order, same glibc-hwcaps names.
        LdCacheTestSupport.expectSameCache(model.cache, real)

        // The links: what changed on the copy is what the model predicted.
        var made: [String: String] = [:]
        var removed: Set<String> = []
        for change in model.linkChanges {
            let link = RootPath(change.link)
            let spot = ((try? view.resolve(link.parent))??.path ?? link.parent).appending(link.lastComponent).string
            switch change {
            case .create(_, let target), .repoint(_, _, let target): made[spot] = target; removed.remove(spot)
            case .removeDangling: removed.insert(spot); made[spot] = nil
            }
        }
        let realMade = after.filter { before[$0.key] != $0.value }
        let realRemoved = Set(before.keys.filter { after[$0] == nil })
        #expect(made == realMade)
        #expect(removed == realRemoved)
        return model
    }

    @Test("links, dev links, highest version, files over links, dangling links, chains: same as ldconfig -r",
          .enabled(if: LdCacheTestSupport.canRunLdconfigRoot, "needs root, gcc and ldconfig -r"))
    func linkRules() throws {
        let model = try Self.compareWithLdconfig("""
            L="$R/usr/lib/x86_64-linux-gnu"; U="$R/usr/local/lib"
            solib "$U/libfoo.so.1.2" libfoo.so.1 f.c; ln -s libfoo.so.1.2 "$U/libfoo.so"
            solib "$U/libbar.so.1.9" libbar.so.1 f.c; solib "$U/libbar.so.1.10" libbar.so.1 f.c
            solib "$R/opt/conda/lib/libffi.so.8.1.2" libffi.so.8 f.c; ln -s libffi.so.8.1.2 "$R/opt/conda/lib/libffi.so.7"
            echo /opt/conda/lib > "$R/etc/ld.so.conf.d/zz-conda.conf"
            ln -s libgone.so.3.0 "$U/libgone.so.3"; ln -s libgone.so.3.0 "$U/libgone.so"
            solib "$L/libbaz.so.2.0" libbaz.so.2 f.c; solib "$L/libbaz.so.2.1" libbaz.so.2 f.c; ln -s libbaz.so.2.0 "$L/libbaz.so.2"
            gcc -shared -fPIC -o "$U/libnosoname.so.4" f.c
            printf '/* GNU ld script */\\nGROUP ( libfoo.so.1 )\\n' > "$U/libscript.so"
            mkdir "$U/libdir.so.5"; echo x > "$U/libtiny.so.1"; head -c 200 /dev/zero > "$U/libzero.so.1"
            echo 'int main(void){return 0;}' > m.c; gcc -no-pie -o "$U/libexe.so.1" m.c
            solib "$U/libchain.so.1.0" libchain.so.1 f.c
            mkdir -p "$R/opt/late"; ln -s /usr/local/lib/libchain.so.1 "$R/opt/late/libchain.so.1"
            echo /opt/late >> "$R/etc/ld.so.conf.d/zz-conda.conf"
            solib "$R/opt/typed/libty.so.1" libty.so.1 f.c; echo '/opt/typed=libc6' >> "$R/etc/ld.so.conf.d/zz-conda.conf"
            ln -s libfoo.so.1.2 "$U/libfoo-alt.so.1"
            """)
        // The comparison above is not vacuous: each rule shows up.
        let changes = model.linkChanges
        #expect(changes.contains(.removeDangling(link: "/usr/local/lib/libgone.so.3", target: "libgone.so.3.0")))
        #expect(changes.contains(.create(link: "/usr/local/lib/libbar.so.1", target: "libbar.so.1.10")))
        #expect(changes.contains(.repoint(link: "/lib/x86_64-linux-gnu/libbaz.so.2", from: "libbaz.so.2.0", to: "libbaz.so.2.1")))
        #expect(model.cache.paths(forKey: "libffi.so.7").isEmpty)
        #expect(model.cache.paths(forKey: "libffi.so.8") == ["/opt/conda/lib/libffi.so.8"])
        #expect(model.cache.paths(forKey: "libfoo.so") == ["/usr/local/lib/libfoo.so"])
        #expect(model.cache.paths(forKey: "libchain.so.1") == ["/usr/local/lib/libchain.so.1", "/opt/late/libchain.so.1"])
        #expect(model.cache.paths(forKey: "libnosoname.so.4") == ["/usr/local/lib/libnosoname.so.4"])
        #expect(model.cache.paths(forKey: "libscript.so").isEmpty)
    }

    /// The model keeps each directory's libraries by soname and what the scan resolved each
    /// name to, forgetting the latter whenever it changes a link: a directory where many links
    /// are made, repointed, or lead through links the same run repoints.
    @Test("a directory of many libraries whose soname links are missing, stale or chained through others: same as ldconfig -r",
          .enabled(if: LdCacheTestSupport.canRunLdconfigRoot, "needs root, gcc and ldconfig -r"))
    func manyLibrariesInOneDirectory() throws {
        let model = try Self.compareWithLdconfig("""
            M="$R/opt/many"; mkdir -p "$M"; echo /opt/many > "$R/etc/ld.so.conf.d/many.conf"
            solib "$M/libm0.so.1.0" libm0.so.1 f.c
            for i in $(seq 1 40); do
              cp "$M/libm0.so.1.0" "$M/libm$i.so.1.0"; patchelf --set-soname "libm$i.so.1" "$M/libm$i.so.1.0"
              case $((i % 4)) in
                1) ln -s "libm$i.so.1.0" "$M/libm$i.so.1" ;;
                2) cp "$M/libm$i.so.1.0" "$M/libm$i.so.0.9"; ln -s "libm$i.so.0.9" "$M/libm$i.so.1" ;;
                3) ln -s "libm$((i - 1)).so.1" "$M/libm$i.so.1" ;;
              esac
            done
            """)
        let changes = model.linkChanges
        #expect(changes.contains(.create(link: "/opt/many/libm4.so.1", target: "libm4.so.1.0")))
        // libm3.so.1 leads to libm2's old file under another name, so ldconfig counts it as a
        // file of soname libm2.so.1, and the highest name wins: libm2.so.1 is pointed at it,
        // and then libm3.so.1 itself at libm3's file (the model must not reuse its first answer).
        #expect(changes.contains(.repoint(link: "/opt/many/libm2.so.1", from: "libm2.so.0.9", to: "libm3.so.1")))
        #expect(changes.contains(.repoint(link: "/opt/many/libm3.so.1", from: "libm2.so.1", to: "libm3.so.1.0")))
        #expect(!changes.contains { $0.link == "/opt/many/libm1.so.1" })
        #expect(model.cache.paths(forKey: "libm40.so.1") == ["/opt/many/libm40.so.1"])
    }

    /// Each name is a library whose soname is its own name, so the cache keys show which names
    /// ldconfig took.
    static let candidateNames = """
        C=$(printf '\\314\\201')   # U+0301: "lib" + the mark is no "lib" to character-wise text
        for n in libfoo.so.1 ld-foo.so.1 ld.so.7 ld64.so.3 ldx.so.1 xlib.so.1 libnodot ld.so libbar.so "lib${C}c.so.1" "li${C}b.so.1"; do
            solib "$R/opt/t/$n" "$n" f.c
        done
        echo /opt/t > "$R/etc/ld.so.conf.d/t.conf"
        """

    @Test("the names glibc 2.36's ldconfig takes as libraries (lib*.so*, ld-*.so*, ld.so.*, ld64.so.*): same as ldconfig -r",
          .enabled(if: LdCacheTestSupport.canRunLdconfigRoot, "needs root, gcc and ldconfig -r"))
    func libraryNames() throws {
        let model = try Self.compareWithLdconfig(Self.candidateNames)
        let keys = Set(model.cache.entries.filter { $0.value.hasPrefix("/opt/t/") }.map(\.key))
        #expect(keys == ["libfoo.so.1", "ld-foo.so.1", "ld.so.7", "ld64.so.3", "libbar.so", "lib\u{301}c.so.1"])
    }

    static let bullseyeLdconfig = "/var/cache/ofdoctor-bullseye/sbin/ldconfig"

    @Test("the names glibc 2.31's ldconfig takes (no ld.so.* nor ld64.so.* yet): same as its ldconfig -r",
          .enabled(if: LdCacheTestSupport.canRunLdconfigRoot && FileManager.default.isExecutableFile(atPath: bullseyeLdconfig),
                   "needs root, gcc and the bullseye root (bash scripts/debian-root.sh bullseye)"))
    func libraryNamesGlibc231() throws {
        // The root's libc decides the rules the model applies: bullseye's 2.31 in place of the host's.
        let model = try Self.compareWithLdconfig("""
            cp -L /var/cache/ofdoctor-bullseye/lib/x86_64-linux-gnu/libc.so.6 "$R/$MULTIARCH/libc.so.6"
            \(Self.candidateNames)
            """, ldconfig: Self.bullseyeLdconfig)
        let keys = Set(model.cache.entries.filter { $0.value.hasPrefix("/opt/t/") }.map(\.key))
        #expect(keys == ["libfoo.so.1", "ld-foo.so.1", "libbar.so", "lib\u{301}c.so.1"])
    }

    @Test("glibc-hwcaps (with ISA levels) and legacy hwcap subdirectories: same as ldconfig -r",
          .enabled(if: LdCacheTestSupport.canRunLdconfigRoot, "needs root, gcc and ldconfig -r"))
    func hwcapsSubdirectories() throws {
        try Self.compareWithLdconfig("""
            L="$R/usr/lib/x86_64-linux-gnu"
            solib "$L/libbaz.so.2.1" libbaz.so.2 f.c
            solib "$L/glibc-hwcaps/x86-64-v3/libbaz.so.2.1" libbaz.so.2 f.c -Wl,-z,x86-64-v3
            solib "$L/glibc-hwcaps/x86-64-v2/libbaz.so.2.1" libbaz.so.2 f.c -Wl,-z,x86-64-v2
            ln -s libbaz.so.2.1 "$L/glibc-hwcaps/x86-64-v2/libbaz.so.2"
            ln -s nothing.so.9 "$L/glibc-hwcaps/x86-64-v2/libgone.so.9"
            solib "$L/tls/libtl.so.1" libtl.so.1 f.c; solib "$L/x86_64/libtl.so.1" libtl.so.1 f.c
            solib "$L/tls/x86_64/libtl.so.1" libtl.so.1 f.c; solib "$L/haswell/libtl.so.1" libtl.so.1 f.c
            solib "$L/libtl.so.1" libtl.so.1 f.c
            mkdir -p "$R/opt/x86_64"; solib "$R/opt/x86_64/libpx.so.1" libpx.so.1 f.c; echo /opt/x86_64 > "$R/etc/ld.so.conf.d/p.conf"
            """)
    }

    @Test("the whole machine: the model of / equals `ldconfig -X -C FILE` (links untouched)",
          .enabled(if: LdCacheTestSupport.isRoot && LdCacheTestSupport.hasLdconfig, "needs root and ldconfig"))
    func wholeMachine() throws {
        let dir = try LdCacheTestSupport.makeTempDir("machine")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try LdCacheTestSupport.sh("ldconfig -X -C '\(dir)/ld.so.cache'")
        #expect(run.status == 0, "\(run.err)")
        let real = try LdSoCache(bytes: LdCacheTestSupport.bytes(dir + "/ld.so.cache"))
        let model = LdconfigModel(root: RootView(try LocalRoot(directory: "/")))
        #expect(model.cache.entries.count == real.entries.count)
        #expect(model.cache.entries.map(\.key) == real.entries.map(\.key))
        #expect(model.cache.entries.map(\.value) == real.entries.map(\.value))
        #expect(model.cache.entries.map(\.hwcap) == real.entries.map(\.hwcap))
    }

    @Test("the model's cache answers lookups like the real one",
          .enabled(if: LdCacheTestSupport.canRunLdconfigRoot, "needs root, gcc and ldconfig -r"))
    func modelCacheLookup() throws {
        let work = try LdCacheTestSupport.makeTempDir("lookup")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let built = try LdCacheTestSupport.sh("""
            set -e; . '\(Self.fixtures)'; R='\(work)/r'; mkroot "$R"; cd '\(work)'; echo 'int f(void){return 1;}' > f.c
            solib "$R/usr/local/lib/libw.so.7.0" libw.so.7 f.c
            """)
        try #require(built.status == 0)
        let model = LdconfigModel(root: RootView(try LocalRoot(directory: work + "/r")))
        #expect(model.cache.lookup("libw.so.7", glibcHWCaps: []) == "/usr/local/lib/libw.so.7")
        #expect(model.cache.lookup("libc.so.6", glibcHWCaps: []) == "/lib/x86_64-linux-gnu/libc.so.6")
        #expect(model.linkChanges.contains(.create(link: "/usr/local/lib/libw.so.7", target: "libw.so.7.0")))
    }

    /// Libraries cut short (an interrupted copy) in a directory ldconfig scans, each built with
    /// its own soname and then cut: inside the ELF header, inside the program headers, inside
    /// `.dynstr`, before, inside and at the end of the dynamic section, past it. ldconfig
    /// follows pointers that start before the file's end (bytes past it read as zeros), so a
    /// file cut after its `DT_SONAME` entry is still taken by its soname; the loader's reader
    /// refuses it. Also two files that are whole: one whose string table `patchelf` moved to
    /// a segment of its own at the end (auditwheel and conda do this), and one whose first
    /// `DT_NEEDED` name lies far past the file's end (glibc up to 2.36 skips it as
    /// "truncated"; later ones read only `DT_SONAME`).
    static let cutLibraries = """
        C="$R/opt/cut"; mkdir -p "$C"; echo /opt/cut > "$R/etc/ld.so.conf.d/cut.conf"
        printf 'int f(void){return 1;}\\nint g[4096] = {1};\\n' > big.c
        solib whole.so libcut00.so.1 big.c
        size=$(stat -c %s whole.so)
        dyn=$(($(readelf -lW whole.so | awk '$1=="DYNAMIC"{print $2}')))
        dynsz=$(($(readelf -lW whole.so | awk '$1=="DYNAMIC"{print $5}')))
        str=$((0x$(readelf -SW whole.so | awk '{for(i=1;i<=NF;i++) if($i==".dynstr"){print $(i+3); exit}}')))
        i=0
        for n in 10 52 63 64 100 200 $((str+2)) $((str+20)) $((dyn-1)) $((dyn+8)) $((dyn+dynsz/2)) $((dyn+dynsz-8)) $((size/2)) $((size-1)); do
            i=$((i+1)); name=$(printf 'libcut%02d' $i)
            solib "$name.so" "$name.so.1" big.c; head -c "$n" "$name.so" > "$C/$name.so.1.0"
        done
        solib "$C/libmoved.so.1.0" libmoved.so.1 big.c
        patchelf --set-soname "libmoved-$(printf 'x%.0s' $(seq 200)).so.1" "$C/libmoved.so.1.0"
        solib "$C/libfarneed.so.1.0" libfarneed.so.1 big.c
        python3 - "$C/libfarneed.so.1.0" <<'PY'
        import struct, sys
        data = bytearray(open(sys.argv[1], 'rb').read())
        phoff, phnum = struct.unpack_from('<Q', data, 32)[0], struct.unpack_from('<H', data, 56)[0]
        dyn = next(struct.unpack_from('<Q', data, phoff + 56 * k + 8)[0] for k in range(phnum)
                   if struct.unpack_from('<I', data, phoff + 56 * k)[0] == 2)
        while struct.unpack_from('<q', data, dyn)[0] not in (0, 1): dyn += 16
        struct.pack_into('<Q', data, dyn + 8, 0x7fffff00)
        open(sys.argv[1], 'wb').write(data)
        PY
        """

    static func checkCutLibraries(_ model: LdconfigModel, neededNamesChecked: Bool) {
        // Not vacuous: a cut after DT_SONAME is taken, a cut before DT_STRTAB is not, the moved
        // string table is found, and the far DT_NEEDED name tells the releases apart.
        #expect(model.cache.paths(forKey: "libcut11.so.1") == ["/opt/cut/libcut11.so.1"])
        #expect(model.cache.paths(forKey: "libcut09.so.1").isEmpty)
        #expect(model.cache.paths(forKey: "libmoved-" + String(repeating: "x", count: 200) + ".so.1").count == 1)
        #expect(model.cache.paths(forKey: "libfarneed.so.1").isEmpty == neededNamesChecked)
    }

    @Test("libraries cut short at every part of the file, a moved string table, a far DT_NEEDED name: same as ldconfig -r",
          .enabled(if: LdCacheTestSupport.canRunLdconfigRoot, "needs root, gcc and ldconfig -r"))
    func cutShortLibraries() throws {
        let model = try Self.compareWithLdconfig(Self.cutLibraries)
        let host = GlibcVersion.read(root: RootView(try LocalRoot(directory: "/")))?.version ?? TargetSystem.fallbackGlibc
        Self.checkCutLibraries(model, neededNamesChecked: host < LdconfigFileRead.sonameOnlySince)
    }

    static let trixieLdconfig = "/var/cache/ofdoctor-trixie/sbin/ldconfig"

    /// The model of the root with `release`'s libc, against that release's ldconfig.
    static func compareCutLibraries(release: String, ldconfig: String, neededNamesChecked: Bool) throws {
        let model = try Self.compareWithLdconfig("""
            cp -L /var/cache/ofdoctor-\(release)/lib/x86_64-linux-gnu/libc.so.6 "$R/$MULTIARCH/libc.so.6"
            \(Self.cutLibraries)
            """, ldconfig: ldconfig)
        Self.checkCutLibraries(model, neededNamesChecked: neededNamesChecked)
    }

    @Test("the same files: same as glibc 2.31's ldconfig -r, which checks DT_NEEDED names",
          .enabled(if: LdCacheTestSupport.canRunLdconfigRoot && FileManager.default.isExecutableFile(atPath: bullseyeLdconfig),
                   "needs root, gcc and the bullseye root (bash scripts/debian-root.sh bullseye)"))
    func cutShortLibrariesGlibc231() throws {
        try Self.compareCutLibraries(release: "bullseye", ldconfig: Self.bullseyeLdconfig, neededNamesChecked: true)
    }

    @Test("the same files: same as glibc 2.41's ldconfig -r, which reads only DT_SONAME",
          .enabled(if: LdCacheTestSupport.canRunLdconfigRoot && FileManager.default.isExecutableFile(atPath: trixieLdconfig),
                   "needs root, gcc and the trixie root (bash scripts/debian-root.sh trixie)"))
    func cutShortLibrariesGlibc241() throws {
        try Self.compareCutLibraries(release: "trixie", ldconfig: Self.trixieLdconfig, neededNamesChecked: false)
    }

    /// Real libraries cut at many places, each copy in a directory of its own that ld.so.conf
    /// lists: 29 even cuts, both sides of the dynamic section's ends and of each page boundary
    /// near it, and each of its entries cut in half. One ldconfig run judges every copy (filed
    /// by its soname, or skipped). Brought by the test: glibc's libc and libm, and gcc's libgcc_s.
    @Test("real libraries cut at every kind of place, one directory a cut: same as ldconfig -r",
          .enabled(if: LdCacheTestSupport.canRunLdconfigRoot, "needs root, gcc and ldconfig -r"))
    func realLibrariesCut() throws {
        let model = try Self.compareWithLdconfig(#"""
            for lib in /lib/x86_64-linux-gnu/libc.so.6 /lib/x86_64-linux-gnu/libm.so.6 "$(gcc -print-file-name=libgcc_s.so.1)"; do
                lib=$(readlink -f "$lib"); base=$(basename "$lib"); size=$(stat -c %s "$lib")
                dyn=$(($(readelf -lW "$lib" | awk '$1=="DYNAMIC"{print $2}'))); dynsz=$(($(readelf -lW "$lib" | awk '$1=="DYNAMIC"{print $5}')))
                cuts="$dyn $((dyn + dynsz)) $((dyn - 1)) $((dyn + dynsz - 1))"
                for k in $(seq 1 29); do cuts="$cuts $((size * k / 30))"; done
                for p in $(seq $(((dyn / 4096 - 1) * 4096)) 4096 $((dyn + dynsz + 4096))); do cuts="$cuts $((p - 1)) $p $((p + 1))"; done
                for e in $(seq 0 16 $((dynsz - 16))); do cuts="$cuts $((dyn + e + 8))"; done
                for n in $(printf '%s\n' $cuts | sort -nu); do
                    [ "$n" -gt 0 ] && [ "$n" -lt "$size" ] || continue
                    d="$R/opt/cuts/$base-$n"; mkdir -p "$d"; head -c "$n" "$lib" > "$d/$base"; echo "/opt/cuts/$base-$n" >> "$R/etc/ld.so.conf.d/cuts.conf"
                done
            done
            """#)
        // Not vacuous: some cuts are filed, some skipped.
        let filed = model.cache.entries.filter { $0.value.hasPrefix("/opt/cuts/") }.count
        let directories = model.scannedDirectories.filter { $0.path.hasPrefix("/opt/cuts/") }.count
        #expect(filed > 0 && filed < directories, "\(filed) of \(directories) cut copies filed")
    }

    /// Random damage where ldconfig reads: bytes of the ELF header, the program headers and
    /// the dynamic section of a gcc-built library overwritten (1 to 4 at a time, seeded), and
    /// the file sometimes cut short too. Each mutant alone in a directory ld.so.conf lists; the
    /// real ldconfig writes a cache (`-X`: no links), and the model must file the mutant as
    /// that cache does (under which soname, or not at all). A mutant that kills ldconfig
    /// itself (it trusts the offsets it reads) writes no cache and is left out, counted.
    @Test("random damage to a library's headers and dynamic section: filed as ldconfig files it",
          .enabled(if: LdCacheTestSupport.canRunLdconfigRoot, "needs root, gcc and ldconfig -r"))
    func randomDamage() throws {
        let work = try LdCacheTestSupport.makeTempDir("mutants")
        defer { try? FileManager.default.removeItem(atPath: work) }
        let root = work + "/root"
        let built = try LdCacheTestSupport.sh("""
            set -e; . '\(Self.fixtures)'; R='\(root)'; mkroot "$R"; cd '\(work)'
            echo 'int f(void){return 1;} int g[64] = {1};' > f.c
            solib whole.so libmut.so.1 f.c
            mkdir -p "$R/opt/m"; echo /opt/m > "$R/etc/ld.so.conf.d/m.conf"
            """)
        try #require(built.status == 0, "fixture build failed: \(built.err)")
        let whole = try LdCacheTestSupport.bytes(work + "/whole.so")
        let phoff = Int(whole[32]) | Int(whole[33]) << 8, phnum = Int(whole[56])
        var dynamic = 0..<0
        for k in 0..<phnum where whole[phoff + 56 * k] == 2 {
            let at = phoff + 56 * k
            let offset = (0..<4).reduce(0) { $0 | Int(whole[at + 8 + $1]) << (8 * $1) }
            let size = (0..<4).reduce(0) { $0 | Int(whole[at + 32 + $1]) << (8 * $1) }
            dynamic = offset..<(offset + size)
        }
        try #require(!dynamic.isEmpty)
        let regions = [0..<64, phoff..<(phoff + 56 * phnum), dynamic]
        var rng = SeededRandom(seed: 2451)
        var compared = 0, filed = 0, killed = 0
        for _ in 0..<120 {
            var bytes = whole
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let region = regions.randomElement(using: &rng)!
                let at = Int.random(in: region, using: &rng)
                // a small value, a large one, or any byte: offsets and counts go wrong each way
                bytes[at] = [0, 1, 0xff, UInt8.random(in: 0...255, using: &rng)].randomElement(using: &rng)!
            }
            if Bool.random(using: &rng) { bytes = Array(bytes.prefix(Int.random(in: 1..<bytes.count, using: &rng))) }
            try Data(bytes).write(to: URL(fileURLWithPath: root + "/opt/m/libmut.so.1.0"))
            let cache = work + "/ld.so.cache"
            try? FileManager.default.removeItem(atPath: cache)
            let run = try LdCacheTestSupport.sh("ldconfig -r '\(root)' -X -C /ld.so.cache.mutant 2>/dev/null; echo $?; mv '\(root)/ld.so.cache.mutant' '\(cache)' 2>/dev/null || true")
            guard run.out.trimmingCharacters(in: .whitespacesAndNewlines) == "0", FileManager.default.fileExists(atPath: cache) else {
                killed += 1
                continue
            }
            let real = try LdSoCache(bytes: LdCacheTestSupport.bytes(cache))
            let model = LdconfigModel(root: RootView(try LocalRoot(directory: root)))
            let realEntries = real.entries.filter { $0.value.hasPrefix("/opt/m/") }.map { "\($0.key) \($0.value) \($0.flags)" }
            let modelEntries = model.cache.entries.filter { $0.value.hasPrefix("/opt/m/") }.map { "\($0.key) \($0.value) \($0.flags)" }
            #expect(modelEntries == realEntries, "mutant \(compared): \(Data(bytes).count) bytes")
            compared += 1
            if !realEntries.isEmpty { filed += 1 }
        }
        print("ldconfig random damage: \(compared) mutants compared (\(filed) filed), \(killed) killed ldconfig")
        // Not vacuous: most mutants are judged, and some are filed, some skipped.
        #expect(compared >= 80 && filed > 0 && filed < compared, "\(compared) compared, \(filed) filed, \(killed) killed ldconfig")
    }
}

