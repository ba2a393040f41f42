import Support

/// An audit interface (rtld-audit(7)) the loader loads before the program's libraries, in a
/// namespace of its own: named by `LD_AUDIT`, and from glibc 2.32 by the program's
/// `DT_AUDIT` and `DT_DEPAUDIT` (a library's are ignored). An auditor can change which file
/// each name loads (`la_objsearch`) and what a symbol binds to, so ofdoctor, which does not
/// run it, judges the program as if it changed nothing and says so (LD030).
///
/// Measured with glibc 2.31, 2.36 and 2.41: the order is `LD_AUDIT`'s names, then
/// `DT_AUDIT`'s, then `DT_DEPAUDIT`'s, each list split at colons only (a space is part of a
/// name; empty names skipped); 2.31 reads neither tag. One that cannot be opened is
/// reported on standard error and ignored — the program starts. In secure-execution mode a
/// name with a slash is dropped without a word, and a bare name is taken only from a
/// set-user-ID file (as `LD_PRELOAD`'s).
public struct AuditInterface: Equatable, Sendable {
    public enum Source: Equatable, Sendable {
        case environment, programAudit, programDependencyAudit

        public var label: String {
            switch self {
            case .environment: "LD_AUDIT"
            case .programAudit: "the program's DT_AUDIT"
            case .programDependencyAudit: "the program's DT_DEPAUDIT"
            }
        }
    }

    /// As written (dynamic string tokens not expanded).
    public var name: String
    public var source: Source
    /// Secure-execution mode drops it without a word (a name with a slash).
    public var ignoredInSecureMode: Bool

    /// The first glibc whose loader reads `DT_AUDIT` and `DT_DEPAUDIT` (glibc's history: BZ
    /// #24943; 2.31 measured not to, 2.36 to).
    public static let dynamicTagsSince = GlibcVersion(2, 32)

    /// The loader's line for one it cannot open (glibc elf/rtld.c `load_audit_module`).
    public var cannotOpenMessage: String {
        "ERROR: ld.so: object '\(name)' cannot be loaded as audit interface: cannot open shared object file; ignored."
    }

    /// Whether the name has a slash: a path the loader opens as it is, not a name it searches for.
    public var isPath: Bool { name.utf8.contains(UInt8(ascii: "/")) }

    /// Every audit interface the loader is asked to load for `graph`'s program, in its order.
    public static func requested(by graph: LoadGraph) -> [AuditInterface] {
        let secure = graph.secureExecution != nil
        func list(_ text: String?, _ source: Source) -> [AuditInterface] {
            (text ?? "").split(bytes: { $0 == UInt8(ascii: ":") }).map { name in
                var audit = AuditInterface(name: name, source: source, ignoredInSecureMode: false)
                audit.ignoredInSecureMode = secure && audit.isPath
                return audit
            }
        }
        var result = list(graph.environment.variables["LD_AUDIT"], .environment)
        if graph.platform.glibc >= dynamicTagsSince, let dynamic = graph.executable.elf.dynamic {
            result += list(dynamic.audit, .programAudit) + list(dynamic.dependencyAudit, .programDependencyAudit)
        }
        return result
    }
}
