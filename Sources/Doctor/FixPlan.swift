import LoaderModel
import RootFS

/// One change to the root that a fix needs. Paths are inside the root.
public enum FixAction: Hashable, Sendable {
    /// Create the symbolic link `path` pointing at `target` (written as given).
    case symlink(path: RootPath, target: String)
    /// Run `ldconfig` (`ldconfig -r ROOT` for another root): rebuild `/etc/ld.so.cache`.
    case ldconfig
    /// Set (`value` non-nil) or unset an environment variable of the target's processes.
    case env(name: String, value: String?)
    /// Create the file `path` in `/etc/ld.so.conf.d/` listing `directories`, one a line.
    case conf(path: RootPath, directories: [String])

    /// The design's `kind` field.
    public var kind: String {
        switch self {
        case .symlink: return "symlink"
        case .ldconfig: return "ldconfig"
        case .env: return "env"
        case .conf: return "conf"
        }
    }
}

/// An action and the findings it fixes.
public struct PlannedAction: Hashable, Sendable {
    public var action: FixAction
    public var fixes: [FindingID]
    /// The findings it clears, by `Finding.key`: several findings can share an id.
    public var clears: [FindingKey]

    public init(_ action: FixAction, fixes: [FindingID], clears: [FindingKey] = []) {
        self.action = action
        self.fixes = fixes
        self.clears = clears
    }

    /// True when this action is part of what clears `finding`.
    public func clears(_ finding: Finding) -> Bool {
        clears.isEmpty ? fixes.contains(finding.id) : clears.contains(finding.key)
    }
}

/// The ordered actions that, applied together, make the loader start the program.
public struct FixPlan: Hashable, Sendable {
    public var actions: [PlannedAction]

    public init(_ actions: [PlannedAction] = []) {
        self.actions = actions
    }

    public var isEmpty: Bool { actions.isEmpty }

    /// The environment the plan gives the program: variable → value (nil: unset).
    public var environment: [String: String?] {
        var result: [String: String?] = [:]
        for planned in actions {
            if case .env(let name, let value) = planned.action { result[name] = .some(value) }
        }
        return result
    }

    /// `environment` with the plan's `env` actions made.
    public func corrected(_ environment: LoaderEnvironment) -> LoaderEnvironment {
        self.environment.reduce(environment) { $0.with($1.key, $1.value) }
    }

    /// The loader variables (`LD_…`, `GLIBC_TUNABLES`) a program started from `environment` has once the plan
    /// is applied: those set, and the names the plan unsets, sorted.
    public func loaderVariables(from environment: LoaderEnvironment) -> (set: [String: String], unset: [String]) {
        var set = environment.loaderVariables
        var unset: [String] = []
        for (name, value) in self.environment {
            if let value {
                set[name] = value
            } else {
                set[name] = nil
                unset.append(name)
            }
        }
        return (set, unset.sorted())
    }
}
