import Doctor
import LoaderModel
import OpenFace

/// The calls into the core that every command makes, with errors mapped to exit 3.
enum Analysis {
    /// The applications whose documented failures and data files the doctor knows.
    static let rules: [any ApplicationRules] = [OpenFaceRules()]

    static func resolve(_ program: ProgramLocation, system: TargetSystem, environment: LoaderEnvironment) throws -> LoadGraph {
        do throws(ResolveError) {
            let graph = try system.resolver(environment: environment).resolve(program: program.path)
            KeptUntilExit.keep(graph)
            return graph
        } catch {
            throw CommandFailure.analysis(error.description)
        }
    }
}

/// Values the process frees by exiting rather than one by one: tearing down the load
/// graph of a few thousand libraries (each with its ELF tables, names and trail) took as
/// long as printing its tree.
enum KeptUntilExit {
    nonisolated(unsafe) private static var values: [Any] = []

    static func keep(_ value: Any) { values.append(value) }
}
