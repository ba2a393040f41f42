import ArgumentParser

/// The options every subcommand shares: which root, which environment, which program.
struct TargetOptions: ParsableArguments {
    /// nil when not given: `--root /` and `--image` together are as contradictory as any other root.
    @Option(name: .customLong("root"), help: ArgumentHelp("The root filesystem to examine, as chroot would see it (default /).", valueName: "DIR"),
            completion: .directory)
    var givenRoot: String?

    @Option(name: .long, help: ArgumentHelp(
        "Instead of --root: a `docker save` archive or OCI image layout, read in place; its config's Env is the default environment.",
        valueName: "FILE"), completion: .file())
    var image: String?

    @Option(name: .customLong("env"), help: ArgumentHelp(
        "The target's environment variable (repeatable). Default: this process's loader variables (every LD_ one, GLIBC_TUNABLES).",
        valueName: "NAME=VALUE"))
    var environmentAssignments: [String] = []

    @Option(name: .customLong("env-from"), help: ArgumentHelp(
        "Take the environment from an image config: `docker inspect` JSON or an OCI image config (its Env, and its User as whom the program runs).",
        valueName: "FILE"), completion: .file())
    var environmentFile: String?

    @Option(name: .customLong("cwd"), help: ArgumentHelp(
        "The program's working directory inside the root (default: the image's WorkingDir, else /; on this machine, here); relative paths start from it.",
        valueName: "DIR"))
    var givenWorkingDirectory: String?

    @Option(name: .customLong("user"), help: ArgumentHelp(
        "Who starts the program, as `docker exec -u`: NAME, UID, NAME:GROUP or UID:GID, names read from the root's /etc/passwd and /etc/group (its groups as Docker gives them). A user other than root gets the kernel's permission checks on the program, the interpreter and every library. A set-user-ID or set-group-ID program that changes who runs it is judged in secure-execution mode. Default: the image config's User, else you on this machine and root in --root.",
        valueName: "USER"))
    var givenUser: String?

    @Argument(help: ArgumentHelp(
        "The program: a path, or a name looked up on the target's PATH, then in /opt/OpenFace/build/bin and /usr/local/bin. Default: FeatureExtraction.",
        valueName: "BINARY"), completion: .file())
    var binary: String?

    /// The root directory as given (default `/`).
    var root: String { givenRoot ?? "/" }

    func validate() throws {
        if image != nil && givenRoot != nil { throw ValidationError("give --root or --image, not both") }
        // (an empty DIR would mean this machine's own /: `--root "$DIR"` with DIR unset)
        if givenRoot?.isEmpty == true { throw ValidationError("--root takes a directory, not an empty path (use --root / for this machine)") }
        if image?.isEmpty == true { throw ValidationError("--image takes a file, not an empty path") }
        if let user = givenUser, user.isEmpty { throw ValidationError("--user takes NAME, UID, NAME:GROUP or UID:GID, not an empty name") }
        // (`alice:` and `:1000` name no user or no group: Docker refuses them too)
        if let user = givenUser, let (name, group) = user.splitAtFirst(UInt8(ascii: ":")), name.isEmpty || group.isEmpty {
            throw ValidationError("--user takes NAME, UID, NAME:GROUP or UID:GID; '\(user)' has an empty \(name.isEmpty ? "user" : "group")")
        }
        for assignment in environmentAssignments where assignment.splitAtFirst(UInt8(ascii: "="))?.before.isEmpty != false {
            throw ValidationError("--env takes NAME=VALUE, not '\(assignment)'")
        }
    }
}

extension TargetOptions: TargetDescription {}
