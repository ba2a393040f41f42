import Support

/// The order in which ld.so relocates a load graph's objects, so the order in which it
/// meets their failing lookups: the first one is the message a user sees (elf/rtld.c
/// `dl_main` relocates `main_map->l_initfini` from its end; elf/dl-deps.c sorts that list
/// with elf/dl-sort-maps.c). Dependencies come before the objects that need them, the
/// program last; ties and cycles are broken as glibc's sort breaks them, which changed in
/// 2.35 (a depth-first sort, unless `GLIBC_TUNABLES` asks for the old one).
public enum RelocationOrder {
    /// Object indices of `graph`, in relocation order (the loader itself, which ld.so
    /// relocates on its own first, included where the sort puts it).
    public static func objects(in graph: LoadGraph) -> [Int] {
        // An object's `l_initfini` while the list is sorted: its DT_NEEDED (and filter)
        // objects in order; the program's is still empty then (dl-deps.c fills it only for
        // the others).
        let needed: [[Int]] = graph.objects.indices.map { index in
            index == 0 ? [] : graph.linkedDependencies(of: index)
        }
        let initfini = usesDepthFirstSort(graph) ? depthFirst(needed) : oldSort(needed)
        var order = Array(initfini.reversed())
        // From glibc 2.39 the loader relocates libc.so.6 before the rest, so that libc's
        // IFUNC resolvers never run unrelocated (bug 31083; measured with 2.41: no "Relink"
        // line for a library that binds libc's IFUNCs ahead of it).
        if graph.platform.glibc >= libcFirstSince, let libc = libcObject(in: graph), let at = order.firstIndex(of: libc) {
            order.remove(at: at)
            order.insert(libc, at: 0)
        }
        return order
    }

    /// The first glibc that relocates libc.so.6 first.
    public static let libcFirstSince = GlibcVersion(2, 39)

    /// The object the loader keeps as its libc (`libc_map`): the first loaded whose
    /// `DT_SONAME` is libc.so.6 (elf/dl-load.c).
    public static func libcObject(in graph: LoadGraph) -> Int? {
        graph.objects.firstIndex { $0.soname.map { SeededByteHash.sameBytes($0, "libc.so.6") } == true }
    }

    static func usesDepthFirstSort(_ graph: LoadGraph) -> Bool {
        guard graph.platform.glibc >= GlibcVersion(2, 35) else { return false }
        // GLIBC_TUNABLES=glibc.rtld.dynamic_sort=1 selects the old algorithm (2.35 and later),
        // except in secure-execution mode, where the tunable (security level SXID_ERASE) is
        // ignored (measured with 2.36 and 2.41: the generated root `cycle`).
        guard graph.secureExecution == nil else { return true }
        return graph.environment.tunable("glibc.rtld.dynamic_sort").map { $0 != "1" } ?? true
    }

    /// `_dl_sort_maps_dfs` over the whole list, the program forced first: a depth-first
    /// walk from each object, the last loaded first, each placing an object once its
    /// dependencies are placed (reverse postorder); the program is never entered from another.
    static func depthFirst(_ needed: [[Int]]) -> [Int] {
        let count = needed.count
        var visited = [Bool](repeating: false, count: count)
        var order = [Int](repeating: 0, count: count)
        var head = count
        // An explicit stack of (object, next dependency to look at): a deep closure would
        // overflow the call stack of a recursive walk.
        var stack: [(object: Int, next: Int)] = []
        for start in stride(from: count - 1, through: 0, by: -1) where !visited[start] {
            visited[start] = true
            stack.append((start, 0))
            while let top = stack.last {
                let dependencies = needed[top.object]
                if top.next < dependencies.count {
                    stack[stack.count - 1].next += 1
                    let dependency = dependencies[top.next]
                    if !visited[dependency] && dependency != 0 {
                        visited[dependency] = true
                        stack.append((dependency, 0))
                    }
                    continue
                }
                stack.removeLast()
                head -= 1
                order[head] = top.object
            }
        }
        if let at = order.firstIndex(of: 0), at != 0 {
            order.remove(at: at)
            order.insert(0, at: 0)
        }
        return order
    }

    /// The sort before 2.35, over the list without the program (which stays first): each
    /// object is moved behind the last later object that needs it, and looked at again
    /// from there; an object met more often than there are objects left is in a cycle and
    /// stays.
    static func oldSort(_ needed: [[Int]]) -> [Int] {
        var maps = Array(needed.indices.dropFirst())
        let count = maps.count
        guard count > 1 else { return [0] + maps }
        var seen = [Int](repeating: 0, count: count)
        var i = 0
        outer: while true {
            seen[i] += 1
            let this = maps[i]
            var k = count - 1
            while k > i {
                // (an object's l_initfini also names the object itself, first: never `this`)
                if needed[maps[k]].contains(this) {
                    maps.remove(at: i)
                    maps.insert(this, at: k)
                    if seen[i + 1] > count - i {
                        i += 1
                        for j in i..<count { seen[j] = 0 }
                        continue outer
                    }
                    let thisSeen = seen[i]
                    seen.remove(at: i)
                    seen.insert(thisSeen, at: k)
                    continue outer
                }
                k -= 1
            }
            i += 1
            if i == count { break }
            for j in i..<count { seen[j] = 0 }
        }
        return [0] + maps
    }
}
