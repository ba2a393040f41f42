import LoaderModel
import Support

/// The directories one rule had the loader search for a name, in the order it tried them
/// (hwcaps subdirectories folded into their directory). A directory appears once in a whole
/// search: under the first rule that tried it.
public struct SearchedDirectories: Hashable, Sendable {
    /// The rule's label: `LD_LIBRARY_PATH`, `rpath`, `runpath`, `default path`, …
    public var via: String
    public var directories: [String]

    public init(via: String, directories: [String]) {
        self.via = via
        self.directories = directories
    }

    /// Directories with the rule's label that led to each, grouped by rule in the order met.
    public static func grouped(_ places: [(via: String, directory: String)]) -> [SearchedDirectories] {
        var result: [SearchedDirectories] = []
        for place in places {
            if let i = result.firstIndex(where: { $0.via == place.via }) {
                result[i].directories.append(place.directory)
            } else {
                result.append(SearchedDirectories(via: place.via, directories: [place.directory]))
            }
        }
        return result
    }

    /// The search of one trail, grouped by rule.
    public static func of(_ trail: [Attempt]) -> [SearchedDirectories] {
        var result: [SearchedDirectories] = []
        var seen = Set<TextKey>()   // by bytes: canonically equivalent directories are two
        var previous: String?
        for k in trail.indices {   // by index: no copy of each attempt
            // hwcaps subdirectories are tried in every directory; name the directory itself.
            let directory = trail[k].searchDirectory ?? trail[k].directoryName
            // Consecutive places of one directory compare cheaper than they hash.
            guard previous.map({ !$0.hasSameBytes(as: directory) }) ?? true else { continue }
            previous = directory
            guard seen.insert(TextKey(directory)).inserted else { continue }
            let via = trail[k].source.label
            if let i = result.firstIndex(where: { $0.via == via }) {
                result[i].directories.append(directory)
            } else {
                result.append(SearchedDirectories(via: via, directories: [directory]))
            }
        }
        return result
    }
}
