import Doctor
import LoaderModel
import RootFS

/// What a Dockerfile `RUN` line of the plan needs in the image: `/bin/sh` (the exec form runs
/// it), `ln` for links and `ldconfig` for the cache. A distroless image has none of them, and
/// a RUN line printed for it fails in `docker build`.
enum RunLineTools {
    /// The ones `plan`'s RUN line needs that the image lacks, in the order the line uses them
    /// (`ldconfig`: the image's own, or one on its `PATH`).
    static func missing(for plan: FixPlan, ldconfig: String?, root: RootView, environment: LoaderEnvironment) -> [String] {
        let actions = plan.actions.map(\.action)
        let runs = actions.contains { if case .env = $0 { return false }; return true }
        guard runs else { return [] }
        var missing: [String] = []
        if !ProgramLocation.isProgram(RootPath("/bin/sh"), root) { missing.append("/bin/sh") }
        let links = actions.contains { if case .symlink = $0 { return true }; return false }
        if links, ProgramLocation.lookUpOnPath("ln", root: root, environment: environment) == nil { missing.append("ln") }
        if actions.contains(.ldconfig), ldconfig == nil,
           ProgramLocation.lookUpOnPath("ldconfig", root: root, environment: environment) == nil { missing.append("ldconfig") }
        return missing
    }
}
