/// The image config (image-spec config.md) of the new image: the old one with the new
/// layer's diff ID appended to `rootfs.diff_ids`, the environment changes made in
/// `config.Env` (what `docker run` and `docker exec` start processes with), and a history
/// entry for the layer. Every other field stays as it was.
enum ImageConfigEdit {
    static func apply(_ addition: ImageAddition, diffID: String, to config: JSONValue, path: String,
                      member: String) throws(ImageWriteError) -> JSONValue {
        var config = config
        guard var rootfs = config["rootfs"], rootfs.isObject, let diffIDs = rootfs["diff_ids"]?.array else {
            throw .badDocument(path: path, member: member, reason: "the config has no rootfs.diff_ids")
        }
        rootfs["diff_ids"] = .array(diffIDs + [.string(diffID)])
        config["rootfs"] = rootfs

        var runtime = config["config"].flatMap { $0.isObject ? $0 : nil } ?? .object([:])
        runtime["Env"] = .array(environment(runtime["Env"]?.array ?? [], applying: addition.environment).map(JSONValue.string))
        config["config"] = runtime

        // One entry per layer, empty_layer ones aside (image-spec: history must match the
        // layers). An image without history gets one placeholder per old layer first.
        var history = config["history"]?.array ?? []
        if history.isEmpty {
            history = diffIDs.map { _ in .object(["created_by": .string("(not recorded in the original image)")]) }
        }
        history.append(.object(["created": .string(addition.created), "created_by": .string(addition.createdBy),
                                "comment": .string(addition.comment)]))
        config["history"] = .array(history)
        config["created"] = .string(addition.created)   // a new image, made now (as `docker commit` dates it)
        return config
    }

    /// `NAME=value` strings with each change made where the name first stood (a new name at
    /// the end; nil removes it); any later duplicate of the name goes.
    static func environment(_ entries: [JSONValue], applying changes: [(name: String, value: String?)]) -> [String] {
        var lines = entries.compactMap(\.string)
        for (name, value) in changes {
            let matches = lines.indices.filter { lines[$0].hasPrefix(name + "=") || lines[$0] == name }
            for i in matches.reversed() { lines.remove(at: i) }
            guard let value else { continue }
            lines.insert(name + "=" + value, at: matches.first ?? lines.endIndex)
        }
        return lines
    }
}
