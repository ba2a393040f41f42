/// Whether text output gets ANSI colour: only on a terminal that can show it, and never
/// when the user said no (no-color.org's `NO_COLOR`, any non-empty value).
public enum ColourPolicy {
    public static func enabled(isTerminal: Bool, noColor: String?, term: String?) -> Bool {
        guard isTerminal else { return false }
        if let noColor, !noColor.isEmpty { return false }
        // `TERM=dumb` (Emacs shell buffers, some CI logs) shows escape sequences as text.
        if term == "dumb" { return false }
        return true
    }
}
