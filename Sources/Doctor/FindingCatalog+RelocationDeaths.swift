import LoaderModel

extension FindingCatalog {
    /// What kills the loader while it relocates the libraries, split by where it meets it
    /// among their failed start-up lookups (`SymbolCheck.firstRelocated`): it relocates the
    /// program last, so all of it comes before the program's failed lookups and every lazy
    /// one, but a library relocated after another whose start-up lookup fails is never
    /// reached.
    struct RelocationDeaths {
        /// Met before any failed lookup.
        var beforeLookups: [Finding] = []
        /// Met after one (a real start stops at that lookup).
        var afterLookups: [Finding] = []
        /// The errors of `cutShortFindings` among these (each listed once).
        var cutKills: [Finding] = []
        /// LD022's findings, less a crash placed here.
        var ifuncWarnings: [Finding] = []
    }

    /// - A library without its symbol or string table dies at the first lookup that reaches
    ///   it (`ELFFile.lostForLookups`: libc's own, relocated first, or any failed one); a
    ///   library cut short where relocation touches it, as it is relocated: both before any
    ///   failed lookup, as modelled.
    /// - One whose own relocation reads what it lacks (LD010's constructors without
    ///   relocations, LD035 in `libraryRelocation`) dies when the loader reaches it.
    /// - Before glibc 2.39, libc's IFUNC resolver called before libc is relocated (LD022's
    ///   crash) dies where that relocation is.
    static func relocationDeaths(_ graph: LoadGraph, symbols: SymbolCheck, argv0: String, cut: [Finding],
                                 libraryRelocation: [Finding], versionCheckStops: Bool) -> RelocationDeaths {
        var deaths = RelocationDeaths()
        deaths.cutKills = versionCheckStops ? [] : cut.filter { $0.severity == .error }
        func object(_ finding: Finding) -> Int? { graph.objects.firstIndex { $0.path == finding.resolvedTo } }
        let ownRelocation = deaths.cutKills.filter { kill in
            object(kill).map { graph.objects[$0].elf.lostForRelocation != nil && !graph.objects[$0].elf.lostForLookups } ?? false
        } + libraryRelocation
        let firstKilled = symbols.firstRelocated(of: ownRelocation.compactMap(object), in: graph)
        let killsFirst = firstKilled?.failuresBefore == 0
        deaths.ifuncWarnings = ifuncFindings(graph, symbols: symbols, argv0: argv0, fatal: false)
        let crash = versionCheckStops ? nil : symbols.ifuncBindings.first { $0.resolverCrashes }
        let crashes = crash == nil ? [] : deaths.ifuncWarnings.filter { $0.severity == .error }
        let crashFirst = crash?.failuresBefore == 0
        let crashBeforeKills = crash.map { crash in
            firstKilled.map { symbols.firstRelocated(of: [$0.object, crash.requester], in: graph)?.object == crash.requester } ?? true
        } ?? false
        deaths.beforeLookups = deaths.cutKills.filter { kill in !ownRelocation.contains { $0.key == kill.key && $0.summary == kill.summary } }
        if crashFirst && crashBeforeKills { deaths.beforeLookups += crashes }
        if killsFirst { deaths.beforeLookups += ownRelocation } else { deaths.afterLookups += ownRelocation }
        if crashFirst && !crashBeforeKills { deaths.beforeLookups += crashes }
        if crashFirst { deaths.ifuncWarnings.removeAll { $0.severity == .error } }
        return deaths
    }
}
