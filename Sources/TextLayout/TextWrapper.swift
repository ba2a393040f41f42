import Support

/// Fills words into lines a terminal of `width` columns shows whole: a paragraph's first
/// line starts with its own prefix (a label such as `    why:       `), the lines after it
/// with a hanging indent. Words are never cut: a path or command word keeps working when
/// copied. A word that does not fit under the indent moves left just enough to end at the
/// last column; only a word longer than the whole width goes past it.
public struct TextWrapper: Sendable, Equatable {
    /// Columns a line may fill.
    public var width: Int

    public init(width: Int) {
        self.width = max(1, width)
    }

    /// `text` in lines: the first starts with `first`, every other with `indent`. A newline in
    /// `text` starts a new paragraph (under `indent`). Runs of spaces between words that stay
    /// on one line are kept (alignment); at a break they are dropped.
    public func wrap(_ text: String, first: String = "", indent: String = "") -> [String] {
        var lines: [String] = []
        var prefix = first
        // Most texts (every tree line) are one paragraph: no split, which breaks graphemes.
        let hasNewline = text.utf8.withContiguousStorageIfAvailable { $0.contains(UInt8(ascii: "\n")) }
            ?? text.utf8.contains(UInt8(ascii: "\n"))
        let paragraphs = hasNewline
            ? text.split(separator: "\n", omittingEmptySubsequences: false) : [text[...]]
        for paragraph in paragraphs {
            lines += fill(Self.words(paragraph), prefix: prefix, indent: indent, continuation: "")
            prefix = indent
        }
        return lines
    }

    /// A shell command as lines a shell reads as one: each line but the last ends in ` \`
    /// (a line continuation, also inside `$(…)`), so the wrapped command still works pasted.
    /// `words` are already quoted for the shell.
    public func command(_ words: [String], first: String = "", indent: String = "") -> [String] {
        fill(words.enumerated().map { Word(text: $0.element, spacesBefore: $0.offset == 0 ? 0 : 1) },
             prefix: first, indent: indent, continuation: " \\")
    }

    /// Visible columns of `text`: ANSI escape sequences (`ESC [ … letter`) take none, every
    /// other character one.
    public static func columns(_ text: String) -> Int { columns(of: text) }

    /// `columns` of a substring (a paragraph, a word).
    public static func columns(_ text: Substring) -> Int { columns(of: text) }

    /// Whether `text` takes more than `limit` columns, counted only that far: a deep tree's
    /// line is thousands of columns of prefix, and each was counted whole to learn that it is
    /// wider than the terminal (a fifth of `tree` on a 5,000-deep chain).
    public static func columns(_ text: String, exceed limit: Int) -> Bool { columns(of: text, upTo: limit) > limit }

    /// (Generic once, called through the concrete entries above: a call from another
    /// module to a generic function went through its protocol witnesses, unspecialised.)
    /// Counting stops once it passes `limit`.
    @inline(__always)
    static func columns(of text: some StringProtocol, upTo limit: Int = .max) -> Int {
        // Text of plain characters only (no escape, no character that may be a mark): one
        // column per character, counted on the bytes.
        let plain = text.utf8.withContiguousStorageIfAvailable { bytes -> Int? in
            var count = 0
            for i in bytes.indices where bytes[i] & 0xC0 != 0x80 {
                guard takesOneColumn(bytes, at: i) else { return nil }
                count += 1
                if count > limit { return count }
            }
            return count
        }
        if let plain, let count = plain { return count }
        var count = 0
        var inEscape = false, sawBracket = false
        for scalar in text.unicodeScalars {
            if inEscape {
                if !sawBracket { sawBracket = scalar == "["; if !sawBracket { inEscape = false }; continue }
                if (0x40...0x7e).contains(scalar.value) { inEscape = false }
                continue
            }
            if scalar == "\u{1B}" { inEscape = true; sawBracket = false; continue }
            // Combining marks and zero-width joiners join the character before them (none is
            // below U+0300: ASCII and Latin-1 text skips the property lookup).
            if scalar.value >= 0x300, scalar.properties.generalCategory == .nonspacingMark || scalar == "\u{200D}" { continue }
            count += 1
            if count > limit { return count }
        }
        return count
    }

    struct Word {
        var text: String
        /// Spaces before it in the source (kept when it stays on the same line).
        var spacesBefore: Int
        /// Its columns, when counted already (`plainWords`).
        var columns: Int? = nil
    }

    static func words(_ paragraph: Substring) -> [Word] {
        let words = splitWords(paragraph)
        // (most paragraphs, every tree line, hold no backquote: one scan of the bytes)
        let quoted = paragraph.utf8.withContiguousStorageIfAvailable { $0.contains(UInt8(ascii: "`")) }
            ?? paragraph.utf8.contains(UInt8(ascii: "`"))
        return quoted ? keepingCommandsWhole(words) : words
    }

    /// A command in backquotes (`` `docker pull IMAGE && docker save …` ``) as one word: cut
    /// over lines, its pieces pasted into a shell run as several commands; whole, a terminal
    /// shows it past the last column and copies it as one line. Only a span that closes and
    /// starts as a command does (`isCommandStart`): a message quoted in backquotes wraps as
    /// prose, and a tree's ASCII `` `-- `` opens nothing.
    static func keepingCommandsWhole(_ words: [Word]) -> [Word] {
        func backquotes(_ text: String) -> Int { text.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: "`") ? 1 : 0) } }
        var result: [Word] = []
        var i = words.startIndex
        while i < words.endIndex {
            let word = words[i]
            guard word.text.utf8.first == UInt8(ascii: "`"), backquotes(word.text) % 2 == 1,
                  isCommandStart(word.text.utf8.dropFirst()),
                  let close = words[(i + 1)...].firstIndex(where: { backquotes($0.text) % 2 == 1 }) else {
                result.append(word)
                i += 1
                continue
            }
            var joined = word
            for next in words[(i + 1)...close] { joined.text += String(repeating: " ", count: max(1, next.spacesBefore)) + next.text }
            joined.columns = nil
            result.append(joined)
            i = close + 1
        }
        return result
    }

    /// A command's first word: a lowercase name (`docker`, `patchelf`, `apt-get`), a path
    /// (`/usr/bin/x`, `./app`), or a variable set for it (`LD_LIBRARY_PATH=…`).
    static func isCommandStart(_ bytes: Substring.UTF8View.SubSequence) -> Bool {
        guard let first = bytes.first else { return false }
        if (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) || first == UInt8(ascii: "/") || first == UInt8(ascii: ".") { return true }
        let name = bytes.prefix { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) || $0 == UInt8(ascii: "_") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        return !name.isEmpty && bytes.dropFirst(name.count).first == UInt8(ascii: "=")
    }

    static func splitWords(_ paragraph: Substring) -> [Word] {
        if spacesStandAlone(paragraph) { return plainWords(paragraph) }
        var result: [Word] = []
        var spaces = 0
        var current = ""
        for character in paragraph {
            if character == " " {
                if !current.isEmpty { result.append(Word(text: current, spacesBefore: spaces)); current = ""; spaces = 0 }
                spaces += 1
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { result.append(Word(text: current, spacesBefore: spaces)) }
        // Leading spaces of the paragraph belong to its first word (an indented line stays indented).
        return result
    }

    /// True when no space of `paragraph` can join a neighbour in one grapheme: every
    /// character next to a space is plain (`isPlainCharacter`).
    static func spacesStandAlone(_ paragraph: Substring) -> Bool {
        paragraph.utf8.withContiguousStorageIfAvailable { bytes in
            for i in bytes.indices where bytes[i] == 0x20 {
                if i > 0 {
                    var start = i - 1
                    while start > 0 && bytes[start] & 0xC0 == 0x80 { start -= 1 }
                    if !isPlainCharacter(bytes, at: start) { return false }
                }
                if i + 1 < bytes.count && !isPlainCharacter(bytes, at: i + 1) { return false }
            }
            return true
        } ?? false
    }

    /// The character whose lead byte is at `i` takes one column, as counted on the bytes: a
    /// plain one that does not start an escape sequence.
    static func takesOneColumn(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        bytes[i] != 0x1B && isPlainCharacter(bytes, at: i)
    }

    /// Whether the UTF-8 character starting at `i` is below U+0300 (combining marks, joiners
    /// and prepended letters all lie above), box drawing (U+2500–U+257F, what tree lines put
    /// next to spaces) or punctuation U+2010–U+2027 (dashes, quotes, bullets): one column, and
    /// it joins no neighbour in a grapheme.
    static func isPlainCharacter(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        let lead = bytes[i]
        if lead < 0xCC { return true }
        guard lead == 0xE2, i + 2 < bytes.count else { return false }
        let second = bytes[i + 1], third = bytes[i + 2]
        return second == 0x94 || second == 0x95 || (second == 0x80 && (0x90...0xA7).contains(third))
    }

    /// `words` split on the bytes of the spaces, for text whose spaces stand alone
    /// (`spacesStandAlone`): no grapheme breaking, the same words.
    static func plainWords(_ paragraph: Substring) -> [Word] {
        let split = paragraph.utf8.withContiguousStorageIfAvailable { bytes -> [Word] in
            var result: [Word] = []
            var spaces = 0
            var start = -1
            // A word's columns, counted as it is split when every character is plain (one
            // column each: its lead bytes), nil when one is not (`columns` decides then).
            var counted: Int? = 0
            func word(_ range: Range<Int>) -> Word {
                Word(text: String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self), spacesBefore: spaces,
                     columns: counted)
            }
            for i in bytes.indices {
                if bytes[i] == 0x20 {
                    if start >= 0 {
                        result.append(word(start..<i))
                        start = -1
                        spaces = 0
                        counted = 0
                    }
                    spaces += 1
                } else {
                    if start < 0 { start = i }
                    if bytes[i] & 0xC0 != 0x80, let n = counted {
                        counted = takesOneColumn(bytes, at: i) ? n + 1 : nil
                    }
                }
            }
            if start >= 0 { result.append(word(start..<bytes.count)) }
            return result
        }
        // Only contiguous text reaches here (`spacesStandAlone` is false for any other).
        return split ?? []
    }

    /// `text`'s UTF-8 appended to `line` in one copy (appending the `utf8` view went element
    /// by element).
    static func append(_ text: String, to line: inout [UInt8]) {
        text.withUTF8Bytes { line.append(contentsOf: $0) }
    }

    /// Lays `words` out; `continuation` ends every line but the last. It is ` \\` where that
    /// fits; where it does not, the bare `\\` (the next line's indent still separates the
    /// words), so a command word as wide as the line keeps its line. A line is built as bytes
    /// and made a `String` once: appending pieces to a `String` copied every line several times.
    private func fill(_ words: [Word], prefix: String, indent: String, continuation: String) -> [String] {
        let tight = continuation.hasPrefix(" ") ? String(continuation.dropFirst()) : continuation
        let continuationColumns = Self.columns(continuation), tightColumns = Self.columns(tight)
        let indentColumns = Self.columns(indent)
        // What of the indent a word moved left keeps: its marks (a tree's │ guides) and a
        // blank after them; only the blanks are given up.
        var head = Substring(indent)
        while head.last == " " { head.removeLast() }
        let headColumns = head.isEmpty ? 0 : Self.columns(head) + 1
        var lines: [String] = []
        var line: [UInt8] = []
        line.reserveCapacity(2 * width)
        Self.append(prefix, to: &line)
        var lineColumns = Self.columns(prefix)
        var empty = true   // no word on `line` yet
        var joinsNext = false   // the last line ended in a bare `\\`: the next must not start at column 0
        func finish(continued: Bool) {
            while line.last == UInt8(ascii: " ") { line.removeLast() }
            joinsNext = false
            if continued {
                joinsNext = lineColumns + continuationColumns > width
                Self.append(joinsNext ? tight : continuation, to: &line)
            }
            lines.append(String(decoding: line, as: UTF8.self))
        }
        func start(spaces: Int, then text: String = "") {
            line.removeAll(keepingCapacity: true)
            line.append(contentsOf: repeatElement(UInt8(ascii: " "), count: spaces))
            Self.append(text, to: &line)
        }
        for (n, word) in words.enumerated() {
            let wordColumns = word.columns ?? Self.columns(word.text)
            let isLast = n == words.count - 1
            let lead = empty ? (n == 0 ? word.spacesBefore : 0) : max(1, word.spacesBefore)
            if lineColumns + lead + wordColumns + (isLast ? 0 : continuationColumns) <= width {
                line.append(contentsOf: repeatElement(UInt8(ascii: " "), count: lead))
                Self.append(word.text, to: &line)
                lineColumns += lead + wordColumns
                empty = false
                continue
            }
            // A word on the line already, or a label with no room for this word (the label
            // alone, the word under it): the line ends here.
            if !empty || line.contains(where: { $0 != UInt8(ascii: " ") }) {
                finish(continued: !empty)
                start(spaces: 0, then: indent)
                lineColumns = indentColumns
            }
            // At the start of a line: under the indent when it fits, else moved left until it
            // ends at the last column, else (longer than the width) at the indent, past the edge.
            let room = width - (isLast ? 0 : tightColumns)
            if lineColumns + wordColumns > room, headColumns + wordColumns <= room {
                let lead = max(joinsNext ? 1 : 0, headColumns, room - wordColumns)
                start(spaces: 0, then: String(head))
                line.append(contentsOf: repeatElement(UInt8(ascii: " "), count: lead - (head.isEmpty ? 0 : headColumns - 1)))
                lineColumns = lead
            }
            Self.append(word.text, to: &line)
            lineColumns += wordColumns
            empty = false
        }
        finish(continued: false)
        return lines
    }
}
