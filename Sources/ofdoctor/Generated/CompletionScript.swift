import ArgumentParser

/// The completion scripts swift-argument-parser writes from the command definitions, with
/// one change for bash: it registers `complete -o filenames -F`, so where its function
/// offers nothing (a BINARY after the default command, ARGS after `--`) bash completed
/// nothing; with `-o default` readline completes file names there.
enum CompletionScript {
    static func text(for shell: CompletionShell) -> String {
        let script = Ofdoctor.completionScript(for: shell)
        guard shell == .bash else { return script }
        return script.replacing("complete -o filenames -F", with: "complete -o filenames -o default -F")
    }
}
