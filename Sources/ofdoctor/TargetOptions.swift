import ArgumentParser

/// The options every subcommand shares: which root, which environment, which program.
struct TargetOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The root filesystem to examine, as chroot would see it.", valueName: "DIR"))
    var root: String = "/"

    @Option(name: .long, help: ArgumentHelp(
        "Instead of --root: a `docker save` archive or OCI image layout, read in place; its config's Env is the default environment.",
        valueName: "FILE"))
    var image: String?

    @Option(name: .customLong("env"), help: ArgumentHelp(
        "The target's environment variable (repeatable). Default: this process's LD_LIBRARY_PATH and LD_PRELOAD.",
        valueName: "NAME=VALUE"))
    var environmentAssignments: [String] = []

    @Option(name: .customLong("env-from"), help: ArgumentHelp(
        "Take the environment from an image config: `docker inspect` JSON or an OCI image config (its Env).",
        valueName: "FILE"))
    var environmentFile: String?

    @Option(name: .customLong("cwd"), help: ArgumentHelp(
        "The program's working directory inside the root (default /); a relative BINARY starts from it.",
        valueName: "DIR"))
    var givenWorkingDirectory: String?

    @Argument(help: ArgumentHelp(
        "The program: a path, or a name looked up on the target's PATH, then in /opt/OpenFace/build/bin and /usr/local/bin. Default: FeatureExtraction.",
        valueName: "BINARY"))
    var binary: String?

    func validate() throws {
        if image != nil && !(root == "/" || root.isEmpty) { throw ValidationError("give --root or --image, not both") }
        for assignment in environmentAssignments where !assignment.contains("=") || assignment.hasPrefix("=") {
            throw ValidationError("--env takes NAME=VALUE, not '\(assignment)'")
        }
    }
}

extension TargetOptions: TargetDescription {}
