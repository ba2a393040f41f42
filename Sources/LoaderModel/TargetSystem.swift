import ELFInspect
import RootFS

/// The examined system: its root, the glibc rules that apply to it and its loader cache.
/// Built once per command; resolutions with different environments share it.
public struct TargetSystem: Sendable {
    public var root: RootView
    public var platform: LoaderPlatform
    public var cache: LdSoCache?
    /// Why the cache could not be used (the loader then skips it too).
    public var cacheProblem: String?
    /// The read of the cache that failed, when it was a read (not a malformed cache): whether
    /// the loader fails it too depends on who reads (`Resolver.cacheReadFailure`).
    public var cacheReadFailure: RootError?
    /// Where the glibc version was read from, for "which rules were used".
    public var glibcSource: String
    /// What could not be read about the machine and what was assumed instead (the report
    /// shows them: a guess must not pass for a reading).
    public var notes: [String] = []
    /// The CPU the platform was made for (nil: not read), kept to inspect the root again.
    public var cpu: CPUFeatures?
    /// The kernel's vDSO, which the loader has loaded before the program's libraries (nil:
    /// none, or not read).
    public var vdso: KernelVDSO?
    /// A plan's ldconfig is the host's (`ldconfig -r ROOT`), not the root's own: a root
    /// examined from outside. (The planner reads the host's glibc, only when it plans.)
    public var ldconfigRunsOnHost = false
    /// The root is not the machine ofdoctor runs on (`--root DIR`, `--image FILE`): a command
    /// for a person that changes the root (a package to reinstall) is run inside it.
    public var examinedFromOutside = false

    /// The glibc this model follows when the root has no readable `libc.so.6`.
    public static let fallbackGlibc = GlibcVersion(2, 36)

    public init(root: RootView, platform: LoaderPlatform, cache: LdSoCache?, cacheProblem: String? = nil,
                glibcSource: String) {
        self.root = root
        self.platform = platform
        self.cache = cache
        self.cacheProblem = cacheProblem
        self.glibcSource = glibcSource
    }

    /// Reads what the loader's rules depend on from the root: glibc's version (its
    /// `libc.so.6`), the multiarch layout, and `/etc/ld.so.cache`.
    /// - Parameter cpu: nil when the CPU's features could not be read (no `/proc`): the
    ///   platform then has none, and a note says so.
    /// - Parameter vdso: the kernel's vDSO (`KernelVDSO.read(at:)` of `AT_SYSINFO_EHDR`), nil for none.
    public static func inspect(root: RootView, cpu: CPUFeatures?, vdso: KernelVDSO? = nil) -> TargetSystem {
        let multiarch = LoaderPlatform.isMultiarch(root)
        let found = GlibcVersion.read(root: root)
        let glibc = found?.version
        let source = found.map { "glibc \($0.version), read from \($0.path.string)" }
            ?? "no libc.so.6 in the root; glibc \(fallbackGlibc) rules assumed"
        let platform = LoaderPlatform.make(glibc: glibc ?? fallbackGlibc, cpu: cpu ?? CPUFeatures(flags: [], isIntel: false),
                                           multiarch: multiarch)
        var cache: LdSoCache?
        var problem: String?
        var readFailure: RootError?
        do {
            cache = try LdSoCache.read(from: root)
        } catch {
            problem = "\(error)"
            readFailure = error as? RootError
        }
        var system = TargetSystem(root: root, platform: platform, cache: cache, cacheProblem: problem, glibcSource: source)
        system.cacheReadFailure = readFailure
        system.cpu = cpu
        system.vdso = vdso
        if cpu == nil {
            system.notes.append(LoaderPlatform.hasGlibcHWCaps(platform.glibc)
                ? "the CPU's features could not be read (/proc/cpuinfo: no /proc?): glibc-hwcaps subdirectories are "
                  + "judged as for a baseline x86-64 CPU; the real loader asks the CPU and may also search x86-64-v2 and up"
                : "the CPU's features could not be read (/proc/cpuinfo: no /proc?): legacy hwcap subdirectories are "
                  + "judged as for a CPU without optional features")
        }
        return system
    }

    /// The same root and CPU inspected again: after `fix --apply` wrote links and rebuilt the cache.
    /// A `CachedRoot` starts empty again: what it kept described the root before the writes.
    public func reinspected() -> TargetSystem {
        let filesystem = (root.filesystem as? CachedRoot)?.emptied() ?? root.filesystem
        var system = TargetSystem.inspect(root: RootView(filesystem), cpu: cpu, vdso: vdso)
        system.ldconfigRunsOnHost = ldconfigRunsOnHost
        system.examinedFromOutside = examinedFromOutside
        return system
    }

    public func resolver(environment: LoaderEnvironment, originFromTypedPath: Bool = false) -> Resolver {
        var resolver = Resolver(root: root, environment: environment, platform: platform,
                                cache: cache.map { CacheLookup(cache: $0, platform: platform) },
                                originFromTypedPath: originFromTypedPath)
        resolver.vdso = vdso
        resolver.cacheReadFailure = cacheReadFailure
        return resolver
    }
}
