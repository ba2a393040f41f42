import RootFS
import Support

/// A package manager's records of the files its packages installed, kept in directories
/// above those files (conda's `PREFIX/conda-meta`, pip's `site-packages/*.dist-info`): the
/// two lookups a person's step needs — which package installed a damaged file, and which
/// lists a library that is gone — written once for every such kind. Read only for a step
/// for a person, and bounded by `readBudget` bytes a lookup.
protocol InstalledFileRecords {
    /// What a record is known by until its owner is asked for (reading the owner may cost
    /// another file, which only the record that matched pays).
    associatedtype Record
    associatedtype Owner: Equatable

    var root: RootView { get }
    static var readBudget: Int { get }
    /// The directories of records that may list `file`, nearest first.
    func places(above file: RootPath) -> [RootPath]
    /// The records in `place`, each with the absolute paths it lists; `budget` is what is
    /// left to read.
    func records(in place: RootPath, budget: inout Int) -> [(record: Record, files: Set<String>)]
    /// Who installed the files of `record`, nil when the record does not say in a form a
    /// person's step may show.
    func owner(of record: Record, in place: RootPath) -> Owner?
}

extension InstalledFileRecords {
    /// For each of `paths`, the owner of the record that lists it, or the file it leads to
    /// (a record names the file where the installer put it: the loader may have reached it
    /// through a link); each place's records read once for them all.
    func owners(of paths: [String]) -> [String: Owner] {
        var budget = Self.readBudget
        var read: [RootPath: [(record: Record, files: Set<String>)]] = [:]
        var result: [String: Owner] = [:]
        for path in paths {
            let real = ((try? root.resolve(RootPath(path))) ?? nil)?.path.string
            search: for file in [path] + (real.map { $0 == path ? [] : [$0] } ?? []) {
                for place in places(above: RootPath(file)) {
                    if read[place] == nil { read[place] = records(in: place, budget: &budget) }
                    guard let listed = read[place]?.first(where: { $0.files.contains(file) }) else { continue }
                    if let owner = owner(of: listed.record, in: place) { result[path] = owner }
                    break search
                }
            }
        }
        return result
    }

    /// Files named `name` that the records above `places` (the objects that need a library
    /// that is gone, the directories searched for it) list, with their owners, nearest place
    /// first. Records whose owner cannot be shown are left out.
    func entries(named name: String, near places: [String]) -> [(owner: Owner, path: String)] {
        var budget = Self.readBudget
        var seen: [RootPath] = []
        for place in places {
            let real = ((try? root.resolve(RootPath(place))) ?? nil)?.path ?? RootPath(place)
            for directory in self.places(above: real) where !seen.contains(directory) { seen.append(directory) }
        }
        var result: [(owner: Owner, path: String)] = []
        for place in seen {
            for listed in records(in: place, budget: &budget) {
                let named = listed.files.filter { RootPath($0).lastComponent == name }.sorted()
                guard !named.isEmpty, let owner = owner(of: listed.record, in: place) else { continue }
                result += named.map { (owner, $0) }
            }
        }
        return result
    }
}
