import LoaderModel

extension FindingCatalog {
    // MARK: - container-user-unknown

    /// `container-user-unknown`: the image's `User` names a user or group its /etc/passwd or
    /// /etc/group does not list. The container runtime resolves it before it starts anything
    /// and refuses (Docker: exit 125), so no program of the image runs; the loader's part of
    /// the check is judged as root.
    static func unknownUserFindings(_ graph: LoadGraph) -> [Finding] {
        guard let unknown = graph.environment.unknownContainerUser else { return [] }
        let what = unknown.kind == .user ? "user" : "group"
        return [Finding(
            id: .containerUserUnknown, rule: .containerUserUnknown,
            summary: (unknown.spec == unknown.name ? "the image's User \(unknown.spec) is not in \(unknown.file)"
                                                   : "the image's User \(unknown.spec) names \(what) \(unknown.name), which \(unknown.file) lacks")
                + ": no container of it starts",
            explanation: "The container runtime resolves the image config's User through the image's \(unknown.file) before it starts anything (a number needs no entry), and this image lists no \(what) \(unknown.name), so `docker run` and `docker exec` exit 125 without running \(graph.executable.path). (ofdoctor judges the loader's part as root.)",
            loaderMessage: "docker: Error response from daemon: \(unknown.runtimeMessage)",
            library: unknown.spec, neededBy: [graph.executable.path],
            remedy: "Add the \(what) to the image (\(unknown.kind == .user ? "useradd" : "groupadd"), or a line in \(unknown.file)), or give User as numbers (USER 1000:1000; `docker run --user` overrides it). To judge the program as another user, check with --user NAME|UID.")]
    }
}
