/// How the machine differentials pick their sample in `make test`.
///
/// A stride over "the machine's files" grows and shrinks with whatever a developer
/// installed by hand, so a floor that holds on one machine fails on a new one. The sample
/// is instead a fixed number of files spread evenly over the sorted list, and the corpus
/// it is drawn from is the base system plus what `scripts/deps.sh` installs for every
/// `make test` (graphviz, elfutils, binutils, python3, strace, gcc, … bring several
/// hundred libraries and programs on a new machine).
enum MachineSample {
    /// `count` elements spread evenly over `all` (every element when there are fewer).
    static func evenly<T>(_ all: [T], count: Int) -> [T] {
        guard all.count > count, count > 0 else { return all }
        return (0..<count).map { all[$0 * all.count / count] }
    }

    /// The floor for `compared` out of `sampled`: files the loader itself cannot trace
    /// (a missing dependency on this machine) are left out of a comparison, but they are
    /// rare; at least three quarters of the sample must be compared.
    static func floor(of sampled: Int) -> Int { sampled * 3 / 4 }
}
