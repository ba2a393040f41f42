#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import CStartup

@main
struct Ofdoctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ofdoctor",
        abstract: "Find, explain and fix why the dynamic loader will not start a program — without running it.",
        discussion: """
        Reads the program and its libraries as glibc's ld.so would (DT_NEEDED, RPATH/RUNPATH, \
        LD_LIBRARY_PATH, ld.so.cache, symbol versions and symbols), names every failure in one \
        pass, and plans, proves, applies and undoes the fixes. Works inside a container (/) or \
        on an unpacked image (--root DIR) or an image archive (--image FILE).

        Examples:
          ofdoctor                        # FeatureExtraction, in the container
          ofdoctor fix --apply && . /etc/profile.d/ofdoctor.sh
          ofdoctor check --root /srv/image --env-from inspect.json FeatureExtraction
          ofdoctor fix --image image.tar --format dockerfile >> Dockerfile.final
          ofdoctor tree --format dot /usr/bin/gdb | dot -Tsvg > gdb.svg

        Files:
          /etc/profile.d/ofdoctor.sh   environment fix for login shells (in the root)
          /var/lib/ofdoctor/journal    what fix --apply changed, for undo (in the root)
          ~/.local/state/ofdoctor/journal-key
                                       seals your journals (outside the root)

        \(ExitStatus.helpBlock)
        """,
        version: OfdoctorVersion.string,
        subcommands: [Check.self, Fix.self, Undo.self, Tree.self, Env.self, Verify.self, Resources.self],
        defaultSubcommand: Check.self
    )
}

extension Ofdoctor {
    /// `json` for "Unknown option '--json'…": a format typed as an option of its own.
    static func formatFlag(in message: String) -> String? {
        for format in ["json", "sh", "dockerfile", "dot", "text"] where message.hasPrefix("Unknown option '--\(format)'") {
            return format
        }
        return nil
    }

    /// As ArgumentParser's, but a usage error is one line on stderr (exit 64), like the
    /// other errors: scripts read the first line.
    static func main() {
        _ = ofdoctor_startup()   // undoes the start-up's SWIFT_BACKTRACE before anything runs a program
        let arguments = ProcessEnvironment.arguments
        do {
            if let request = try BuiltinRequest.parse(arguments) {
                print(try request.text(), terminator: "")
                return
            }
            if let quick = QuickCommand(arguments) {
                try quick.run()
                return
            }
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch let code as ExitCode {
            // check's verdict, or a failure already reported: ArgumentParser's `exitCode(for:)`
            // would build the help text of every command to tell that (3 M instructions).
            processExit(code.rawValue)
        } catch {
            if exitCode(for: error) == .validationFailure {
                let commands = configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"]
                if let unknown = UnknownCommand(arguments, commands: commands) {
                    writeStandardError("ofdoctor: \(unknown.message) (see ofdoctor --help)\n")
                    processExit(ExitCode.validationFailure.rawValue)
                }
                let first = message(for: error).split(separator: "\n").first.map(String.init) ?? "usage error"
                var text = first.hasPrefix("Error: ") ? String(first.dropFirst(7)) : first
                // (the formats are values of --format: ArgumentParser would offer the option
                // spelled closest, `--root` for `--json`)
                if let format = Self.formatFlag(in: text) { text = "Unknown option '--\(format)': --format \(format) gives \(format == "json" ? "JSON" : format)" }
                writeStandardError("ofdoctor: \(text) (see ofdoctor \(helpTopic(arguments))--help)\n")
                processExit(ExitCode.validationFailure.rawValue)
            }
            exit(withError: error)
        }
    }
}

/// The subcommand a usage error is about, as `--help` takes it: the one named, or check,
/// the default, whose options the root's help does not list.
private func helpTopic(_ arguments: [String]) -> String {
    let names = Ofdoctor.configuration.subcommands.compactMap { $0.configuration.commandName }
    guard let first = arguments.first, names.contains(first) else { return "check " }
    return first + " "
}

/// exit(3); inside a `ParsableCommand` extension a bare `exit` means its `exit(withError:)`.
private func processExit(_ code: Int32) -> Never {
    exit(code)
}

enum OfdoctorVersion {
    static let string = "0.1.0"
}
