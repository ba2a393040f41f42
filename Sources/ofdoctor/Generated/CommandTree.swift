#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The command tree as swift-argument-parser describes it for `--experimental-dump-help`
/// (its ToolInfo schema, version 0): the same definitions `--help` and the completion
/// scripts are made from, so what is generated from it cannot drift from them.
struct CommandTree: Decodable {
    var command: Command

    struct Command: Decodable {
        var commandName: String
        var abstract: String?
        var discussion: String?
        var defaultSubcommand: String?
        var subcommands: [Command]?
        var arguments: [Argument]?
        var shouldDisplay: Bool?

        /// The arguments a person sees in `--help`.
        var shownArguments: [Argument] { (arguments ?? []).filter(\.shouldDisplay) }
    }

    struct Argument: Decodable, Equatable {
        struct Name: Decodable, Equatable {
            /// `long`, `short` or `longWithSingleDash`.
            var kind: String
            var name: String

            var spelled: String {
                switch kind {
                case "short": return "-" + name
                case "longWithSingleDash": return "-" + name
                default: return "--" + name
                }
            }
        }

        /// `positional`, `option` or `flag`.
        var kind: String
        var shouldDisplay: Bool
        var isOptional: Bool
        var isRepeating: Bool
        var parsingStrategy: String?
        var names: [Name]?
        var valueName: String?
        var defaultValue: String?
        var allValues: [String]?
        var abstract: String?
        var discussion: String?

        var isPositional: Bool { kind == "positional" }
        /// After `--` (verify's ARGS).
        var isPostTerminator: Bool { parsingStrategy == "postTerminator" }
    }

    static func decode(_ json: String) throws -> CommandTree {
        try JSONDecoder().decode(CommandTree.self, from: Data(json.utf8))
    }
}
