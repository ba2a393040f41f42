/// `ofdoctor tree|check [--root DIR] [--format F] [-a|--all] [BINARY]`, the forms people and
/// scripts type most, read without ArgumentParser: its parse reflects over every command's
/// property wrappers and builds two more commands to look for a completion-script request,
/// about 13 M instructions on every run, more than resolving a 57-library closure. Any other
/// command line (help, other options, `--`, a repeated option, a second operand, a value
/// starting with `-`) is left to ArgumentParser, so the two never disagree on what one means.
struct QuickCommand: TargetDescription {
    enum Action {
        case tree(Tree.Format, all: Bool)
        case check(Check.Format)
    }

    var action: Action
    var root = "/"
    var binary: String?
    let image: String? = nil
    let environmentAssignments: [String] = []
    let environmentFile: String? = nil
    let givenWorkingDirectory: String? = nil
    let givenUser: String? = nil

    /// Nil unless `arguments` (without argv[0]) is one of the forms above.
    init?(_ arguments: [String]) {
        guard let command = arguments.first, command == "tree" || command == "check" else { return nil }
        var root: String?
        var format: String?
        var all = false
        var binary: String?
        var rest = arguments.dropFirst()
        while let word = rest.popFirst() {
            guard !word.isEmpty else { return nil }
            if !word.hasPrefix("-") {
                guard binary == nil else { return nil }
                binary = word
                continue
            }
            if word == "-a" || word == "--all" {
                guard command == "tree", !all else { return nil }
                all = true
                continue
            }
            let name: Substring
            var value: String?
            if let (before, after) = word.splitAtFirst(UInt8(ascii: "=")) {
                name = before
                value = String(after)
            } else {
                name = word[...]
                value = rest.popFirst()
            }
            guard let value, !value.isEmpty, !value.hasPrefix("-") else { return nil }
            switch name {
            case "--root":
                guard root == nil else { return nil }
                root = value
            case "--format":
                guard format == nil else { return nil }
                format = value
            default:
                return nil
            }
        }
        if command == "tree" {
            guard let chosen = format.map(Tree.Format.init(rawValue:)) ?? .text else { return nil }
            action = .tree(chosen, all: all)
        } else {
            guard let chosen = format.map(Check.Format.init(rawValue:)) ?? .text else { return nil }
            action = .check(chosen)
        }
        self.root = root ?? "/"
        self.binary = binary
    }

    func run() throws {
        switch action {
        case .tree(let format, let all): try Tree.run(self, format: format, all: all)
        case .check(let format): try Check.run(self, format: format, verbose: false)
        }
    }
}
