import Doctor
import ELFInspect
import LoaderModel
import Quoting
import TextLayout
import Support

/// The load graph as an indented tree, like libtree: each library once (its first
/// appearance in depth-first order), with the rule that found it; missing ones marked
/// with every place tried; `LD_PRELOAD` objects first, as the loader loads them. Every node
/// a finding is about carries the finding's id, and the findings follow the tree: the same
/// ones `check` reports.
struct TreeText {
    let graph: LoadGraph
    let style: Style
    let showAll: Bool
    /// The findings of the graph (`check`'s), placed on their nodes.
    var findings: [Finding] = []
    var wrapper = TextWrapper(width: TerminalWidth.fallback)

    /// The whole tree as one string (tests, small graphs).
    func render() -> String {
        var lines: [String] = []
        write { lines.append($0) }
        return lines.joined(separator: "\n")
    }

    /// Hands each line to `emit` as it is made: a deep closure's tree is never held whole.
    func write(_ emit: @escaping (String) -> Void) {
        var lines = LineSink(emit: emit, wrapper: wrapper)
        let marks = Marks(findings, graph: graph, style: style)
        let exe = graph.executable
        var head = style.bold(v(exe.path))
        if graph.interpreterMissing, let interp = graph.interpreterPath {
            head += " " + style.red(graph.interpreterRefusal == nil ? "(interpreter \(v(interp)) not found in the root)"
                                                                    : "(interpreter \(v(interp)) refused by the kernel)")
        } else if exe.elf.isStaticProgram {
            head += style.dim(" (statically linked)")
        }
        // (the program is a node twice over: findings about it, and about it as an object)
        lines.append(head + marks.text(.program, .object(0)), indent: "    ")
        // The loader loads LD_PRELOAD objects first: each is shown, under the program, before
        // what the program needs.
        var firstEdges = FirstEdges(count: graph.objects.count)
        firstEdges.markSeen(0)
        for preload in preloads { firstEdges.markSeen(preload) }
        for preload in preloads { firstEdges.visit(preload, in: graph) }
        firstEdges.visit(0, in: graph)
        var shown = [Bool](repeating: false, count: graph.objects.count)
        shown[0] = true
        walk(0, prefix: "", firstEdges: firstEdges, marks: marks, shown: &shown, lines: &lines)
        guard !findings.isEmpty else { return }
        lines.append("")
        for finding in findings {
            lines.append(marks.symbol(finding) + " " + style.bold(v(finding.id.rawValue)) + "  " + v(finding.summary), indent: "    ")
        }
    }

    /// Passes each line on, wrapped to the width with the tree's own continuation prefix.
    struct LineSink {
        let emit: (String) -> Void
        let wrapper: TextWrapper
        mutating func append(_ line: String) { emit(line) }
        mutating func append(_ line: String, indent: String) {
            // A line whose tree prefix takes half the width or more is left whole (as libtree
            // leaves every line): wrapped under that prefix, each word would take a line of
            // its own, and a deep closure's tree would grow with the square of its depth.
            guard TextWrapper.columns(line, exceed: wrapper.width), !TextWrapper.columns(indent, exceed: (wrapper.width - 1) / 2)
            else { return emit(line) }
            for wrapped in wrapper.wrap(line, indent: indent) { emit(wrapped) }
        }
    }

    /// Depth-first, as printed: the edge (parent, position in its DT_NEEDED list) that shows
    /// each library for the first time. Each library has one such edge: two arrays by
    /// object index, no hashing.
    private struct FirstEdges {
        var parent: [Int]
        var position: [Int]

        init(count: Int) {
            parent = [Int](repeating: -1, count: count)
            position = [Int](repeating: -1, count: count)
        }

        /// A walk's start (the program, a preload): seen, and shown by no edge.
        mutating func markSeen(_ index: Int) { parent[index] = index }

        mutating func visit(_ index: Int, in graph: LoadGraph) {
            graph.forEachDependency(of: index) { entry, target in
                guard let target, parent[target] < 0 else { return }
                parent[target] = index
                position[target] = entry.slot
                visit(target, in: graph)
            }
        }

        func isFirst(_ target: Int, from index: Int, at position: Int) -> Bool {
            parent[target] == index && self.position[target] == position
        }
    }

    /// Objects loaded through `LD_PRELOAD`, in load order.
    private var preloads: [Int] {
        graph.objects.filter { if case .preload = $0.foundVia { return true } else { return false } }.map(\.index)
    }

    private enum Entry {
        /// A `DT_NEEDED` entry, or a `DT_FILTER` or `DT_AUXILIARY` one, and what it resolved to.
        case dependency(DependencyEntry, target: Int?)
        case preload(Int)
        case failedPreload(MissingLibrary)
    }

    private func walk(_ index: Int, prefix: String, firstEdges: FirstEdges, marks: Marks, shown: inout [Bool], lines: inout LineSink) {
        // Read once, not per line: a copy of the section retains and releases each of its fields.
        let dynamic = graph.objects[index].elf.dynamic
        var entries: [Entry] = []
        if index == 0 {
            entries += preloads.map(Entry.preload)
            entries += graph.failedPreloads.map(Entry.failedPreload)
        }
        graph.forEachDependency(of: index) { entry, target in
            if let target, !showAll, !firstEdges.isFirst(target, from: index, at: entry.slot) { return }
            entries.append(.dependency(entry, target: target))
        }
        for (n, entry) in entries.enumerated() {
            let last = n == entries.count - 1
            let branch = last ? "└── " : "├── "
            let childPrefix = prefix + (last ? "    " : "│   ")
            let name: String, target: Int?
            var kind = ""
            switch entry {
            case .failedPreload(let miss):
                lines.append(prefix + branch + style.red("\(v(miss.name)) cannot be preloaded, ignored") +
                             style.dim(" (\(v(miss.reason))) [\((miss.preloadList ?? .environment).label)]") + marks.text(.preload(miss.name)), indent: childPrefix + "  ")
                continue
            case .preload(let object):
                name = graph.objects[object].names.first ?? graph.objects[object].path
                target = object
            case .dependency(let dependency, let dependencyTarget):
                name = dynamic?.name(of: dependency) ?? ""
                target = dependencyTarget
                guard let filter = dynamic?.filter(of: dependency) else { break }
                kind = style.dim(filter.isAuxiliary ? " (auxiliary filter)" : " (filter)")
                if dependencyTarget == nil && filter.isAuxiliary {
                    // The loader goes on without it, and says nothing.
                    let miss = graph.absentAuxiliaries.first { $0.name.hasSameBytes(as: name) && $0.neededBy.contains(index) }
                    lines.append(prefix + branch + style.dim("\(v(name)) not found (auxiliary filter: the loader goes on without it)")
                                 + marks.text(.absentAuxiliary(name)), indent: childPrefix + "  ")
                    writeTrail(miss, prefix: childPrefix, lines: &lines)
                    continue
                }
            }
            guard let target else {
                let miss = graph.missing.first { $0.name.hasSameBytes(as: name) }
                // A file the loader met and refuses fatally (LD010) was found, not missed.
                let head = miss?.fatalPath.map { "\(v(name)) => \(v($0)) stops the loader" } ?? "\(v(name)) not found"
                lines.append(prefix + branch + style.red(head) + kind +
                             style.dim(miss.map { " (\(v($0.reason)))" } ?? "") + marks.text(.missing(name)), indent: childPrefix + "  ")
                writeTrail(miss, prefix: childPrefix, lines: &lines)
                continue
            }
            let firstTime = !shown[target]
            shown[target] = true
            let childPath = graph.objects[target].path
            let rule = style.blue(Self.joined("[", v(TreeText.rule(graph.objects[target].foundVia)), "]"))
            let mark = marks.text(.object(target))
            lines.append(childPath.hasSameBytes(as: name) ? Self.joined(prefix, branch, v(name), " ", rule, kind, mark)
                                           : Self.joined(prefix, branch, v(name), " => ", v(childPath), " ", rule, kind, mark),
                         indent: childPrefix + "  ")
            if firstTime { walk(target, prefix: childPrefix, firstEdges: firstEdges, marks: marks, shown: &shown, lines: &lines) }
        }
    }

    /// A missing library's places tried: those with a reason always, the absent ones with
    /// `--all` (each place once: a directory two rules name is tried once).
    private func writeTrail(_ miss: MissingLibrary?, prefix: String, lines: inout LineSink) {
        guard let miss else { return }
        var listed = Set<String>()
        for attempt in miss.trail where (attempt.outcome != .absent || showAll) && listed.insert(attempt.path).inserted {
            lines.append(prefix + style.dim("tried \(v(attempt.path)): \(v(attempt.outcome.description))"), indent: prefix + "  ")
        }
        if !showAll {
            let places = Set(miss.trail.filter { $0.outcome == .absent }.map(\.path)).count
            if places > 0 {
                lines.append(prefix + style.dim("absent in \(places) place\(places == 1 ? "" : "s") searched (--all lists them)"), indent: prefix + "  ")
            }
        }
    }

    /// A name or path from the root, made safe for a terminal (it can hold ESC).
    private func v(_ text: String) -> String { TerminalEscape.visible(text) }

    /// `parts` as one string, sized once: a chain of `+` copies every prefix again.
    private static func joined(_ parts: String...) -> String {
        var out = ""
        out.reserveCapacity(parts.reduce(0) { $0 + $1.utf8.count })
        for part in parts { out += part }
        return out
    }

    static func rule(_ object: LoadedObject) -> String { rule(object.foundVia) }

    static func rule(_ foundVia: FoundVia) -> String {
        switch foundVia {
        case .search(.rpath(let owner), _): return "rpath of \(owner)"
        case .search(.runpath(let owner), _): return "runpath of \(owner)"
        case .search(let source, _): return source.label
        case .preload(let source, let list): return list.label + (source.map { ", \($0.label)" } ?? "")
        case .directPath: return "direct path"
        case .interpreter: return "interpreter"
        case .vdso: return "kernel vDSO"
        case .executable: return "executable"
        }
    }

    /// The finding ids on each node, marked by severity (`✗ LD003`, `! LD007`).
    struct Marks {
        let byPlace: [FindingPlacement: [Finding]]
        let style: Style

        init(_ findings: [Finding], graph: LoadGraph, style: Style) {
            byPlace = FindingPlacement.map(findings, in: graph)
            self.style = style
        }

        func symbol(_ finding: Finding) -> String {
            switch finding.severity {
            case .error: return style.red("✗")
            case .warning: return style.yellow("!")
            case .info: return style.blue("i")
            }
        }

        /// ` ✗ LD003 ! LD007` for the node, or nothing.
        func text(_ places: FindingPlacement...) -> String {
            let here = places.flatMap { byPlace[$0] ?? [] }
            guard !here.isEmpty else { return "" }
            var seen = Set<String>()
            return here.filter { seen.insert($0.id.rawValue + $0.severity.rawValue).inserted }
                .map { " " + symbol($0) + " " + style.bold(TerminalEscape.visible($0.id.rawValue)) }.joined()
        }
    }
}
