#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Archive
import Support

/// The environment an image gives its containers, from the JSON of `docker inspect`
/// (an array of objects with `Config.Env`) or an OCI image config (`config.Env`).
public enum ImageConfigEnvironment {
    public enum ReadError: Error, Equatable, Sendable, CustomStringConvertible {
        case unreadable(path: String, reason: String)
        case noEnv(path: String)
        public var description: String {
            switch self {
            case .unreadable(let path, let reason): return "\(path): cannot read the image config: \(reason)"
            case .noEnv(let path):
                return "\(path): no Env list found; give the JSON of `docker inspect IMAGE` or an OCI image config"
            }
        }
    }

    /// `docker inspect` of one image is a few kilobytes; anything past this is not one.
    static let sizeLimit: UInt64 = 64 << 20

    public static func read(path: String) throws(ReadError) -> [String: String] {
        try readConfig(path: path).environment
    }

    /// `Env` and `User` of the config at `path` (a `docker inspect` array or a config object).
    public static func readConfig(path: String) throws(ReadError) -> ImageRootConfig {
        // Opened without blocking and only as a regular file: a FIFO or a directory named
        // here is refused as what it is.
        let file: HostFile
        do throws(ResourceReadError) { file = try HostFile(path: path) } catch { throw unreadable(path, error) }
        guard file.size <= sizeLimit else {
            throw .unreadable(path: path, reason: "\(file.size) bytes, more than a config's \(sizeLimit >> 20) MiB")
        }
        let bytes: [UInt8]
        do throws(ResourceReadError) { bytes = try file.read(at: 0, count: Int(file.size)) } catch { throw unreadable(path, error) }
        let document = try decode(Data(bytes), path: path)
        guard let env = document.env else { throw .noEnv(path: path) }
        return ImageRootConfig(environment: variables(env), user: document.user, workingDirectory: document.workingDirectory)
    }

    private static func unreadable(_ path: String, _ error: ResourceReadError) -> ReadError {
        switch error {
        case .io(_, _, let code): return .unreadable(path: path, reason: Errno.describe(code))
        case .notARegularFile: return .unreadable(path: path, reason: "not a regular file (a directory, FIFO or device)")
        case .truncated: return .unreadable(path: path, reason: "it shrank while being read")
        case .notADirectory: return .unreadable(path: path, reason: "not a file")
        }
    }

    public static func parse(_ data: Data, path: String) throws(ReadError) -> [String: String] {
        let document = try decode(data, path: path)
        guard let env = document.env else { throw .noEnv(path: path) }
        return variables(env)
    }

    /// An image's own config blob: one the runtime could not decode (`StrictImageConfig`)
    /// is refused, not read as no variables; then as `config`.
    static func imageConfig(_ data: Data, path: String) throws(ReadError) -> ImageRootConfig {
        do { _ = try JSONDecoder().decode(StrictImageConfig.self, from: data) } catch let error as DecodingError {
            throw .unreadable(path: path, reason: StrictImageConfig.reason(error))
        } catch {
            throw .unreadable(path: path, reason: "not JSON")
        }
        return try config(data, path: path)
    }

    /// An image's config: `Env` when it has one (else none set) and `User`.
    static func config(_ data: Data, path: String) throws(ReadError) -> ImageRootConfig {
        let document = try decode(data, path: path)
        return ImageRootConfig(environment: variables(document.env ?? []), user: document.user,
                               workingDirectory: document.workingDirectory)
    }

    /// Why a file is no config: said for a person (Foundation's own words name no cause).
    static let notJSON = "not JSON, or not an object or array of them: give the output of `docker inspect IMAGE` or an OCI image config"

    private static func decode(_ data: Data, path: String) throws(ReadError) -> Document {
        do { return try JSONDecoder().decode(Document.self, from: data) } catch {
            throw .unreadable(path: path, reason: Self.notJSON)
        }
    }

    private static func variables(_ env: [String]) -> [String: String] {
        var result: [String: String] = [:]
        for item in env {
            guard let (name, value) = item.splitAtFirst(UInt8(ascii: "=")) else { continue }
            result[String(name)] = String(value)
        }
        return result
    }

    /// The whole file: `docker inspect`'s array (its first image counts; an empty array or
    /// a first item that is no object has no Env), or one config object. A bare string,
    /// number, boolean or null is not accepted as a document.
    struct Document: Decodable {
        var env: [String]?
        var user: String?
        var workingDirectory: String?

        init(from decoder: any Decoder) throws {
            let image: Image?
            if var images = try? decoder.unkeyedContainer() {
                image = images.isAtEnd ? nil : try images.decodeIfMatching(Image.self)
            } else {
                image = try Image(from: decoder)
            }
            env = image?.env
            user = image?.user
            workingDirectory = image?.workingDirectory
        }
    }

    /// One image object: `Config` when it is an object, else `config` when it is an object,
    /// else the object itself; whichever is chosen must hold `Env`.
    struct Image: Decodable {
        var env: [String]?
        var user: String?
        var workingDirectory: String?

        enum Key: String, CodingKey { case Config, config }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            let section: EnvSection
            if let found = try container.decodeIfMatching(EnvSection.self, forKey: .Config) {
                section = found
            } else if let found = try container.decodeIfMatching(EnvSection.self, forKey: .config) {
                section = found
            } else {
                section = try EnvSection(from: decoder)
            }
            env = section.env
            user = section.user
            workingDirectory = section.workingDirectory
        }
    }

    /// A JSON object (anything else does not decode); `env` is its `Env` when that is a
    /// list of strings only (or null: none), `user` its `User` when that is a non-empty string.
    struct EnvSection: Decodable {
        var env: [String]?
        var user: String?
        /// `WorkingDir` when a non-empty string; the runtime makes a relative one absolute
        /// from `/`.
        var workingDirectory: String?

        enum Key: String, CodingKey { case Env, User, WorkingDir }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            // `null` is what `docker inspect` shows for an image without ENV (`FROM scratch`,
            // `docker import`): no variables, not a missing list.
            if (try? container.decodeNil(forKey: .Env)) == true {
                env = []
            } else {
                env = try container.decodeIfMatching([String].self, forKey: .Env)
            }
            user = try container.decodeIfMatching(String.self, forKey: .User).flatMap { $0.isEmpty ? nil : $0 }
            workingDirectory = try container.decodeIfMatching(String.self, forKey: .WorkingDir).flatMap {
                $0.isEmpty ? nil : $0.startsWithSlash ? $0 : "/" + $0
            }
        }
    }

    /// The types docker and containerd decode an image config into (Go's encoding/json into
    /// image-spec's `Image`): the document an object, its `config` an object, `Env` a list
    /// of strings, `User` and `WorkingDir` strings, each where present and not null. Go
    /// refuses anything else, so no container of such an image starts.
    struct StrictImageConfig: Decodable {
        enum Key: String, CodingKey { case config }
        enum Field: String, CodingKey { case Env, User, WorkingDir }

        init(from decoder: any Decoder) throws {
            let top = try decoder.container(keyedBy: Key.self)
            guard top.contains(.config), try !top.decodeNil(forKey: .config) else { return }
            let fields = try top.nestedContainer(keyedBy: Field.self, forKey: .config)
            if fields.contains(.Env), try !fields.decodeNil(forKey: .Env) { _ = try fields.decode([String].self, forKey: .Env) }
            for key in [Field.User, .WorkingDir] where fields.contains(key) {
                if try !fields.decodeNil(forKey: key) { _ = try fields.decode(String.self, forKey: key) }
            }
        }

        /// What is wrong, by the path of the value that did not decode.
        static func reason(_ error: DecodingError) -> String {
            let context: DecodingError.Context
            switch error {
            case .typeMismatch(_, let found), .valueNotFound(_, let found), .keyNotFound(_, let found), .dataCorrupted(let found):
                context = found
            @unknown default:
                return "not an image config"
            }
            // (array positions are `Index N`: shown as the list's name alone)
            let path = context.codingPath.filter { $0.intValue == nil }.map(\.stringValue).joined(separator: ".")
            if case .dataCorrupted = error, path.isEmpty { return "not JSON" }
            switch path {
            case "": return "not a JSON object (an image config is one)"
            case "config": return "its config is not a JSON object"
            case "config.Env": return "config.Env is not a list of strings"
            default: return "\(path) is not a string"
            }
        }
    }
}
