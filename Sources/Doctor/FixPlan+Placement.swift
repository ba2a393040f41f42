import RootFS

extension FixPlan {
    /// The plan with the paths it writes (links, conf files) as they really lie in `root`
    /// (`RootView.placement`): what a script or a pasted command run on the host may join
    /// to the root, as `fix --apply` resolves them inside it when it writes.
    public func placed(in root: RootView) -> FixPlan {
        FixPlan(actions.map { planned in
            var placed = planned
            switch planned.action {
            case .symlink(let path, let target): placed.action = .symlink(path: root.placement(of: path), target: target)
            case .conf(let path, let directories): placed.action = .conf(path: root.placement(of: path), directories: directories)
            case .ldconfig, .env: break
            }
            return placed
        })
    }
}
