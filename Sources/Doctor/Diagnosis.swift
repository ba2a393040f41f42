import LoaderModel

/// One look at the program in one state of the root and environment: the load graph, the
/// symbol check and the findings they give.
public struct Diagnosis: Sendable {
    public var graph: LoadGraph
    public var symbols: SymbolCheck
    public var findings: [Finding]

    /// `reusing`: a graph of the root `system.root` overlays (see `Resolver.resolve`).
    public init(system: TargetSystem, program: ProgramLocation, environment: LoaderEnvironment,
                rules: [any ApplicationRules] = [], reusing parsed: LoadGraph? = nil) throws(ResolveError) {
        graph = try system.resolver(environment: environment).resolve(program: program.path, reusing: parsed)
        symbols = SymbolCheck(graph: graph)
        findings = FindingCatalog.findings(graph: graph, symbols: symbols, argv0: program.argv0, system: system, rules: rules)
    }

    /// What stops the program or breaks it: errors, and companions a library will not find.
    public var errors: [Finding] { findings.filter(\.isProblem) }
}
