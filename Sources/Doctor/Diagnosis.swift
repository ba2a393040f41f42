import LoaderModel

/// One look at the program in one state of the root and environment: the load graph, the
/// symbol check and the findings they give.
public struct Diagnosis: Sendable {
    public var graph: LoadGraph
    public var symbols: SymbolCheck
    public var findings: [Finding]

    public init(system: TargetSystem, program: ProgramLocation, environment: LoaderEnvironment,
                rules: [any ApplicationRules] = []) throws(ResolveError) {
        graph = try system.resolver(environment: environment).resolve(program: program.path)
        symbols = SymbolCheck(graph: graph)
        findings = FindingCatalog.findings(graph: graph, symbols: symbols, argv0: program.argv0, system: system, rules: rules)
    }

    /// What stops the program or breaks it: errors, and companions a library will not find.
    public var errors: [Finding] { findings.filter(\.isProblem) }
}
