/// Whether a program runs without a loader.
extension ELFFile {
    /// The kernel starts it without ld.so: no `PT_INTERP`, and either no `PT_DYNAMIC`
    /// (static) or one that names nothing to load on a PIE (`-static-pie`: it relocates
    /// itself). Nothing can be missing.
    public var isStaticProgram: Bool {
        guard interpreter == nil else { return false }
        guard let dynamic else { return true }
        return dynamic.needed.isEmpty && (dynamic.flags1 ?? 0) & DynamicFlags1.pie != 0
    }
}
