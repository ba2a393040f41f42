/// A copy relocation of the program whose variable has another size in the library that
/// defines it now (sysdeps/x86_64/dl-machine.h `elf_machine_rela`, `R_X86_64_COPY`): the
/// loader copies the smaller of the two sizes into the program's copy, which the library's
/// code then uses as well. A larger definition (the library's structure or array grew) is
/// cut short, and the loader says so at every start; a smaller one only with `LD_WARN`
/// (`ldd -r`). The same in glibc 2.31 and 2.36.
public struct CopySizeMismatch: Equatable, Sendable {
    public var symbol: String
    /// The library whose definition is copied (load-order position).
    public var definer: Int
    /// `st_size` in the program (its copy) and in the library.
    public var programSize: UInt64
    public var librarySize: UInt64

    /// The loader warns without `LD_WARN`: the library's variable is larger than the copy.
    public var isTruncated: Bool { librarySize > programSize }

    /// The loader's warning (`argv0` its program name).
    public func warning(argv0: String) -> String {
        "\(argv0): Symbol `\(symbol)' has different size in shared object, consider re-linking"
    }
}
