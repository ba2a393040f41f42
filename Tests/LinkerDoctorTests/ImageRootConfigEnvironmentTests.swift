import Foundation
import Testing
@testable import RootFS

/// `--env-from FILE` and an image's config: the JSON shapes `ImageConfigEnvironment` takes.
@Suite("image config Env (docker inspect, OCI config)")
struct ImageRootConfigEnvironmentTests {
    private func parse(_ json: String) throws(ImageConfigEnvironment.ReadError) -> [String: String] {
        try ImageConfigEnvironment.parse(Data(json.utf8), path: "f.json")
    }

    @Test("docker inspect's array (first image), an object, Config or config or the object itself")
    func accepted() throws {
        #expect(try parse(#"[{"Config":{"Env":["A=1","B=2=3","C"]}},{"Config":{"Env":["X=9"]}}]"#) == ["A": "1", "B": "2=3"])
        #expect(try parse(#"{"Config":{"Env":["A=1"]}}"#) == ["A": "1"])
        #expect(try parse(#"{"config":{"Env":["A=1"]}}"#) == ["A": "1"])
        #expect(try parse(#"{"Env":["A=1","=x","E="]}"#) == ["A": "1", "": "x", "E": ""])
        #expect(try parse(#"{"Config":{"Env":[]}}"#) == [:])
        // Config that is not an object falls through to config, then to the object itself.
        #expect(try parse(#"[{"Config":null,"config":{"Env":["X=1"]}}]"#) == ["X": "1"])
        #expect(try parse(#"[{"Config":"s","Env":["Y=1"]}]"#) == ["Y": "1"])
    }

    @Test("User beside Env: whom the containers run as; empty or not a string is root (nil)")
    func user() throws {
        func config(_ json: String) throws -> ImageRootConfig { try ImageConfigEnvironment.config(Data(json.utf8), path: "f.json") }
        #expect(try config(#"[{"Config":{"Env":["A=1"],"User":"app:staff"}}]"#) == ImageRootConfig(environment: ["A": "1"], user: "app:staff"))
        #expect(try config(#"{"config":{"User":"1000"}}"#) == ImageRootConfig(environment: [:], user: "1000"))
        #expect(try config(#"{"Config":{"Env":[],"User":""}}"#).user == nil)
        #expect(try config(#"{"Config":{"Env":[],"User":1000}}"#).user == nil)
    }

    @Test("WorkingDir: where its processes start; empty or not a string is /, a relative one from /")
    func workingDirectory() throws {
        func directory(_ json: String) throws -> String? {
            try ImageConfigEnvironment.config(Data(json.utf8), path: "f.json").workingDirectory
        }
        #expect(try directory(#"[{"Config":{"Env":null,"WorkingDir":"/opt/app"}}]"#) == "/opt/app")
        #expect(try directory(#"{"config":{"WorkingDir":"opt/app"}}"#) == "/opt/app")
        #expect(try directory(#"{"config":{"WorkingDir":""}}"#) == nil)
        #expect(try directory(#"{"config":{"WorkingDir":5}}"#) == nil)
    }

    /// What `docker inspect` prints for an image without ENV (`FROM scratch`, `docker import`).
    @Test("Env null: no variables (docker inspect of an image without ENV), not a missing list")
    func envNull() throws {
        #expect(try parse(#"[{"Config":{"Env":null},"Env":["Y=1"]}]"#) == [:])
        #expect(try ImageConfigEnvironment.config(Data(#"[{"Config":{"User":"ghost","Env":null,"Cmd":null}}]"#.utf8), path: "f.json")
                == ImageRootConfig(environment: [:], user: "ghost"))
    }

    @Test("no Env list where one is looked for", arguments: [
        "[]", "[1]", #"[{"Config":{"Env":5},"Env":["Y=1"]}]"#, #"[{"Config":{"Env":["A",1]}}]"#,
        #"[{"Config":{"Env":["A=1",null]}}]"#, #"[{"Config":{},"config":{"Env":["Z=1"]}}]"#, #"{"Env":"A=1"}"#,
        #"[[{"Env":["A=1"]}]]"#,
    ])
    func noEnv(_ json: String) {
        #expect(throws: ImageConfigEnvironment.ReadError.noEnv(path: "f.json")) { try parse(json) }
    }

    @Test("not JSON: damaged text, or a bare string, number, boolean or null", arguments: [
        #""str""#, "42", "null", "true", "[{", #"{"Env":["A=1"]} trailing"#, "", #"{"Env":["\ud800"]}"#,
    ])
    func notJSON(_ json: String) {
        #expect(throws: ImageConfigEnvironment.ReadError.unreadable(
            path: "f.json", reason: ImageConfigEnvironment.notJSON)) {
            try parse(json)
        }
    }
}
