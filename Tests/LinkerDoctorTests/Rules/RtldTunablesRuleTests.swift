@testable import LoaderModel
import Testing

/// The `glibc.rtld.execstack` and `glibc.rtld.enable_secure` settings as values: when each is
/// in force, by glibc release and value text (measured with glibc 2.41's loader; the real
/// loaders judge the same in RtldTunableTests).
@Suite("glibc.rtld tunables: which settings the loader takes")
struct RtldTunablesRuleTests {
    static func environment(_ tunables: String) -> LoaderEnvironment { LoaderEnvironment(["GLIBC_TUNABLES": tunables]) }

    @Test("an INT_32 value: read as _dl_strtoul reads it, used up whole, kept only in range",
          arguments: [("0", 0), ("", 0), ("00", 0), ("0x", 0), ("0x0", 0), (" +0", 0), ("4294967296", 0), ("-4294967296", 0), ("1", 1), ("01", 1),
                      ("0x1", 1), ("2", nil), ("-1", nil), ("0a", nil), ("08", nil), ("99999999999999999999", nil)] as [(String, Int32?)])
    func value(text: String, expected: Int32?) {
        #expect(RtldTunables.value(of: text, in: 0...1) == expected)
    }

    @Test("glibc.rtld.execstack=0 refuses executable stacks from glibc 2.41, outside secure-execution mode")
    func executableStack() {
        let off = Self.environment("glibc.rtld.execstack=0")
        #expect(RtldTunables.refusesExecutableStack(off, glibc: GlibcVersion(2, 41), secure: false))
        #expect(!RtldTunables.refusesExecutableStack(off, glibc: GlibcVersion(2, 36), secure: false))
        #expect(!RtldTunables.refusesExecutableStack(off, glibc: GlibcVersion(2, 41), secure: true))
        #expect(!RtldTunables.refusesExecutableStack(Self.environment("glibc.rtld.execstack=0:glibc.rtld.execstack=2"), glibc: GlibcVersion(2, 41), secure: false))
        #expect(!RtldTunables.refusesExecutableStack(LoaderEnvironment(), glibc: GlibcVersion(2, 41), secure: false))
    }

    @Test("glibc.rtld.enable_secure=1 sets secure-execution mode from glibc 2.40; the last setting counts")
    func enableSecure() {
        #expect(RtldTunables.enablesSecureMode(Self.environment("glibc.rtld.enable_secure=1"), glibc: GlibcVersion(2, 40)))
        #expect(RtldTunables.enablesSecureMode(Self.environment("glibc.rtld.enable_secure=0:glibc.rtld.enable_secure=1"), glibc: GlibcVersion(2, 41)))
        #expect(!RtldTunables.enablesSecureMode(Self.environment("glibc.rtld.enable_secure=1"), glibc: GlibcVersion(2, 39)))
        #expect(!RtldTunables.enablesSecureMode(Self.environment("glibc.rtld.enable_secure=2"), glibc: GlibcVersion(2, 41)))
        #expect(!RtldTunables.enablesSecureMode(Self.environment("glibc.rtld.enable_secure=1:glibc.rtld.enable_secure=0"), glibc: GlibcVersion(2, 41)))
    }
}
