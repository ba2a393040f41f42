/// A start-up relocation of one object that binds to an IFUNC (`STT_GNU_IFUNC`) defined in
/// another the loader has not relocated yet (sysdeps/x86_64/dl-machine.h `elf_machine_rela`):
/// the loader calls the resolver of an object whose own relocations are not done. Defined
/// in the executable, which is relocated last, that is fatal ("creates an unsatisfiable
/// circular dependency": a dynamic program that links pieces of libc.a, memset among them,
/// meets libm's reference to it); defined in a library, the loader warns ("Relink …") and
/// goes on. Lazily bound references are resolved after every object is relocated, and
/// `ldd -r` resolves no IFUNC (`__RTLD_NOIFUNC`): it shows neither. Measured the same in
/// glibc 2.31 and 2.36. Found among the strong references the symbol check looks up (a weak
/// reference bound to an IFUNC is left out).
public struct IFUNCBinding: Equatable, Sendable {
    /// The object being relocated (load-order position).
    public var requester: Int
    /// The object defining the IFUNC, relocated after the requester.
    public var definer: Int
    public var symbol: String
    /// The symbol's index in the requester's `DT_SYMTAB`.
    public var symbolIndex: Int
    /// The definer is the executable: the loader stops.
    public var isFatal: Bool
    /// The definer is glibc's own libc.so.6, before 2.39 (which relocates it first): its
    /// x86-64 resolvers read the CPU features through its GOT, which is not filled yet, and
    /// the first one called dies of SIGSEGV after the "Relink" line (measured with 2.31 and
    /// 2.36: libcrypt.so.1 without its DT_NEEDED on libc).
    public var resolverCrashes = false
    /// Failed symbol lookups the loader meets before this one (it stops at the first).
    public var failuresBefore: Int = 0

    /// What the loader prints (`argv0` its program name; `requester` and `definer` the
    /// objects as the loader names them).
    public func message(argv0: String, requester: String, definer: String) -> String {
        isFatal
            ? "\(argv0): IFUNC symbol '\(symbol)' referenced in '\(requester)' is defined in the executable and creates an unsatisfiable circular dependency."
            : "\(argv0): Relink `\(requester)' with `\(definer)' for IFUNC symbol `\(symbol)'"
    }
}
