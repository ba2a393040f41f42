import LinkerDoctor

/// The calls into the core that every command makes, with errors mapped to exit 3.
enum Analysis {
    static func resolve(_ program: ProgramLocation, system: TargetSystem, environment: LoaderEnvironment) throws -> LoadGraph {
        do throws(ResolveError) {
            return try system.resolver(environment: environment).resolve(program: program.path)
        } catch {
            throw CommandFailure.analysis(error.description)
        }
    }
}
