/// Values the process frees by exiting rather than one by one: tearing down the load
/// graph of a few thousand libraries (each with its ELF tables, names and trail) took as
/// long as printing its tree.
enum KeptUntilExit {
    nonisolated(unsafe) private static var values: [Any] = []

    static func keep(_ value: Any) { values.append(value) }
}
