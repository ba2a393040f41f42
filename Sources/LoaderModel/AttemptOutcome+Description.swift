import ELFInspect

extension Attempt.Outcome: CustomStringConvertible {
    /// Why the loader passed over the place, in its own terms (`tree` prints it after `tried`).
    public var description: String {
        switch self {
        case .absent: return "absent"
        case .danglingLink(let target, _): return "dangling symlink to \(target)"
        case .wrongClass(let cls, _): return "wrong ELF class (\(cls)), skipped"
        case .wrongMachine(let machine, _): return "wrong machine (\(ELFMachine(machine))), skipped"
        case .symlinkLoop: return "symlink loop; the rest of this search list is skipped"
        case .fatal(let message), .refusedWhenMapped(let message): return message
        case .pastEndOfFile(let cut): return cut.description
        case .taken: return "taken"
        case .staleCacheEntry: return "named by ld.so.cache but gone (stale cache)"
        case .nodeflib: return "in a default directory, skipped for a DF_1_NODEFLIB requester"
        case .notSetUserID: return "not set-user-ID, which a preload in secure-execution mode must be; skipped"
        case .permissionDenied(let denial): return "permission denied (\(denial)); skipped"
        }
    }
}
