#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

import TextLayout

/// ANSI colour, used only on a terminal, never with `NO_COLOR` set (no-color.org) or on
/// `TERM=dumb` (`ColourPolicy`).
struct Style: Sendable {
    let enabled: Bool

    static func forStandardOutput() -> Style {
        Style(enabled: ColourPolicy.enabled(isTerminal: isatty(STDOUT_FILENO) == 1,
                                            noColor: ProcessEnvironment.value("NO_COLOR"),
                                            term: ProcessEnvironment.value("TERM")))
    }

    private func wrap(_ code: String, _ text: String) -> String { enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    func red(_ text: String) -> String { wrap("31", text) }
    func green(_ text: String) -> String { wrap("32", text) }
    func yellow(_ text: String) -> String { wrap("33", text) }
    func blue(_ text: String) -> String { wrap("34", text) }
    func dim(_ text: String) -> String { wrap("2", text) }
    func bold(_ text: String) -> String { wrap("1", text) }
}
