/// How wide a line of text output may be.
public enum TerminalWidth {
    /// When nothing says otherwise (not a terminal, no `COLUMNS`): the traditional 80.
    public static let fallback = 80
    /// Narrower than this, wrapping makes more noise than it removes.
    public static let minimum = 20

    /// `COLUMNS` when it is a whole number of columns; else the terminal's own width when
    /// output goes to one; else 80.
    public static func choose(columns: String?, terminal: Int?) -> Int {
        if let text = columns?.trimmingSpaces, let value = Int(text), value > 0 { return max(minimum, value) }
        if let terminal, terminal > 0 { return max(minimum, terminal) }
        return fallback
    }
}

extension String {
    fileprivate var trimmingSpaces: Substring {
        let start = firstIndex { $0 != " " } ?? endIndex
        let end = lastIndex { $0 != " " }.map { index(after: $0) } ?? start
        return self[start..<max(start, end)]
    }
}
