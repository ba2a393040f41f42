/// A reference of the program that binds to a protected symbol of a library in one of the
/// two ways glibc 2.35 and later check (sysdeps/generic/dl-protected.h
/// `_dl_check_protected_symbol`, called from elf/dl-lookup.c `do_lookup_x`): a copy
/// relocation, which leaves the program and the library each its own copy of the variable
/// (the library's code binds to its own), or a canonical PLT entry, which gives the function
/// two addresses. Both were linked against a build where the symbol had default visibility.
/// The loader prints a warning; when the library was built with -mno-direct-extern-access
/// (`GNU_PROPERTY_1_NEEDED_INDIRECT_EXTERN_ACCESS`) it then stops. glibc 2.31 checks
/// neither (measured in a Debian 11 root).
public struct ProtectedReference: Equatable, Sendable {
    public static let since = GlibcVersion(2, 35)

    public enum Kind: Equatable, Sendable {
        /// A copy relocation (`R_X86_64_COPY`).
        case copy
        /// A PLT-class relocation of a symbol the program gives a value (its canonical PLT entry).
        case canonicalPLT
    }

    public var kind: Kind
    public var symbol: String
    public var version: String?
    /// The library whose protected definition the lookup found (load-order position).
    public var definer: Int
    /// The definer needs indirect extern access: the loader stops here.
    public var refused: Bool
    /// The lookup is made while relocating (else at the first call).
    public var atStartup: Bool
    /// The symbol's index in the program's `DT_SYMTAB`.
    public var symbolIndex: Int
    /// Failed symbol lookups the loader meets before this one (it stops at the first).
    public var failuresBefore: Int

    /// The loader's warning, on stderr at every start (`definer`: the library as the loader names it).
    public func warning(definer: String) -> String {
        switch kind {
        case .copy: return "warning: copy relocation against non-copyable protected symbol `\(symbol)' in `\(definer)'"
        case .canonicalPLT: return "warning: direct reference to protected function `\(symbol)' in `\(definer)' may break pointer equality"
        }
    }

    /// The loader's error after the warning when the definer refuses (`_dl_signal_error`
    /// with the symbol as the occasion).
    public func error(argv0: String, definer: String) -> String {
        "\(argv0): \(symbol): \(definer): error due to GNU_PROPERTY_1_NEEDED_INDIRECT_EXTERN_ACCESS"
    }
}
