import Apply
import Doctor
import LoaderModel
import Quoting
import Support

/// A plan's variable that the root's profile script already sets, from an earlier
/// `fix --apply`, to another value than the one this plan started from: the earlier fix was
/// proven with that value for its program, this plan with another for this one, and the
/// script holds one. Written over, the earlier program would get this plan's value unproven
/// (two plans that each drop another directory of one LD_LIBRARY_PATH break each other).
struct ProfileConflict: Equatable {
    var name: String
    /// What the profile sets (nil: unsets).
    var earlier: String?
    /// What this plan started from (nil: not set).
    var start: String?
    /// What this plan would set (nil: unset).
    var planned: String?

    static func find(plan: FixPlan, startingFrom environment: LoaderEnvironment, profile: [EnvironmentSetting]?) -> [ProfileConflict] {
        guard let profile else { return [] }
        var earlier: [String: String?] = [:]
        for setting in profile { earlier[setting.name] = .some(setting.value) }
        return plan.environment.sorted { $0.key < $1.key }.compactMap { name, planned in
            guard let set = earlier[name] else { return nil }
            let start = environment.variables[name]
            // (a plan made from the value the earlier fix gives builds on it; one that sets
            // that value again changes nothing)
            guard set != start, set != planned else { return nil }
            return ProfileConflict(name: name, earlier: set, start: start, planned: planned)
        }
    }

    static func message(_ conflicts: [ProfileConflict]) -> String {
        func shown(_ value: String?) -> String { value.map { "'\(TerminalEscape.visible($0))'" } ?? "unset" }
        let parts = conflicts.map { conflict in
            "\(ProfileScript.path.string) already sets \(conflict.name) to \(shown(conflict.earlier)) (an earlier fix --apply, proven for its program), "
                + "and this plan, made from \(conflict.name) \(shown(conflict.start)), would make it \(shown(conflict.planned)): "
                + "the program fixed before would then get a value no check proved for it"
        }
        return parts.joined(separator: "; ") + ". Nothing was changed."
    }
}
