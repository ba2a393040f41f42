// The JSON documents `ImageRootManifest` reads, decoded leniently: a field of another type
// is nil (the caller reports the document as unusable), but a bare string, number, boolean
// or null at the top level is not JSON at all, as for JSONSerialization.

extension ImageRootManifest {
    /// `docker save`'s manifest.json: a list of images, of which the first counts when it
    /// has `Config` (a string) and `Layers` (strings); `names` has each entry's first tag
    /// (`untagged` without one), so an archive of several images can be named as such.
    struct DockerSaveDocument: Decodable {
        var first: Image?
        var names: [String] = []

        struct Image: Decodable {
            var config: String
            var layers: [String]
            enum CodingKeys: String, CodingKey {
                case config = "Config"
                case layers = "Layers"
            }
        }

        init(from decoder: any Decoder) throws {
            guard var images = try? decoder.unkeyedContainer() else {
                _ = try decoder.container(keyedBy: Image.CodingKeys.self)   // an object: JSON, but no list
                first = nil
                return
            }
            var entries = images
            first = images.isAtEnd ? nil : try images.decodeIfMatching(Image.self)
            while !entries.isAtEnd { names.append(try entries.decode(Tagged.self).name) }
        }

        /// Any entry: its first `RepoTags` string when it has one.
        struct Tagged: Decodable {
            var name = "untagged"
            enum CodingKeys: String, CodingKey { case tags = "RepoTags" }
            init(from decoder: any Decoder) throws {
                if let container = try? decoder.container(keyedBy: CodingKeys.self),
                   let tag = try container.decodeIfMatching([String].self, forKey: .tags)?.first {
                    name = tag
                }
            }
        }
    }

    /// An OCI index (`manifests`) or image manifest (`config`, `layers`); `isObject` false
    /// for a top-level array.
    struct OCIDocument: Decodable {
        var isObject: Bool
        /// When `manifests` is a list of objects.
        var manifests: [OCIDescriptor]?
        /// When `config` is an object.
        var config: OCIDescriptor?
        /// When `layers` is a list of objects.
        var layers: [OCIDescriptor]?

        enum CodingKeys: String, CodingKey { case manifests, config, layers }

        init(from decoder: any Decoder) throws {
            guard let container = try? decoder.container(keyedBy: CodingKeys.self) else {
                _ = try decoder.unkeyedContainer()   // an array: JSON, but not an object
                isObject = false
                return
            }
            isObject = true
            manifests = try container.decodeIfMatching([OCIDescriptor].self, forKey: .manifests)
            config = try container.decodeIfMatching(OCIDescriptor.self, forKey: .config)
            layers = try container.decodeIfMatching([OCIDescriptor].self, forKey: .layers)
        }
    }

    /// An image-spec descriptor (any JSON object): `digest` when it is a string, `platform`
    /// when it is an object.
    struct OCIDescriptor: Decodable {
        var digest: String?
        var platform: OCIPlatform?
        /// `org.opencontainers.image.ref.name` (annotations.md): the tag a layout gives it.
        var refName: String?

        enum CodingKeys: String, CodingKey { case digest, platform, annotations }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            digest = try container.decodeIfMatching(String.self, forKey: .digest)
            platform = try container.decodeIfMatching(OCIPlatform.self, forKey: .platform)
            refName = try container.decodeIfMatching([String: OCIAnnotation].self, forKey: .annotations)?["org.opencontainers.image.ref.name"]?.text
        }
    }

    /// An annotation's value: its text when it is a string (anything else is ignored).
    struct OCIAnnotation: Decodable {
        var text: String?
        init(from decoder: any Decoder) throws {
            text = try? decoder.singleValueContainer().decode(String.self)
        }
    }

    /// A descriptor's platform (any JSON object): `os` and `architecture` when strings.
    struct OCIPlatform: Decodable {
        var os: String?
        var architecture: String?

        enum CodingKeys: String, CodingKey { case os, architecture }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            os = try container.decodeIfMatching(String.self, forKey: .os)
            architecture = try container.decodeIfMatching(String.self, forKey: .architecture)
        }
    }
}
