/// What kind of runnable file it is: a program the kernel starts without a loader, a
/// position-independent program, or a library that can also be run.
extension ELFFile {
    /// `DT_FLAGS_1` has `DF_1_PIE`: its linker marked it a position-independent executable.
    public var isMarkedPIE: Bool { (dynamic?.flags1 ?? 0) & DynamicFlags1.pie != 0 }

    /// The kernel starts it without ld.so: no `PT_INTERP`, and either no `PT_DYNAMIC`
    /// (static) or one that names nothing to load on a PIE (`-static-pie`: it relocates
    /// itself). Nothing can be missing.
    public var isStaticProgram: Bool {
        guard interpreter == nil else { return false }
        guard let dynamic else { return true }
        return dynamic.needed.isEmpty && isMarkedPIE
    }

    /// A shared library that can also be run (`libc.so.6` prints its version, so does
    /// libcap): a shared object with a `DT_SONAME` and no `DF_1_PIE`, whatever its
    /// `PT_INTERP`. A position-independent program is marked `DF_1_PIE` by its linker, or,
    /// built before that flag, has no soname.
    public var isRunnableLibrary: Bool {
        header.type == ELFHeader.sharedObject && dynamic?.soname != nil && !isMarkedPIE
    }
}
