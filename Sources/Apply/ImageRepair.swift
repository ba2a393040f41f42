import Archive
import Doctor
import ELFInspect
import LoaderModel
import RootFS
import Support

/// `fix --image IN --output OUT`: the proven plan written into a new image instead of a
/// root. IN is only read. OUT gets IN's layers unchanged plus one layer with the plan's
/// files (`RepairLayer`, through the same `PlanEffect` the plan was proven on), and a config
/// whose `Env` carries the plan's environment, which `docker run` and `docker exec` use.
/// OUT is written under a temporary name, read back and checked as `check --image` reads
/// it; only when the loader would start the program there (or only the person's findings
/// are left) is it renamed into place.
public struct ImageRepair: Sendable {
    /// What was written.
    public struct Outcome: Sendable {
        public var staged: StagedImage
        /// The layer's members (empty when the plan had nothing to write).
        public var layerEntries: [String]
        /// Entries of the ld.so.cache written, when the plan runs ldconfig.
        public var cacheEntries: Int?
        /// The environment changes made in the config, in order.
        public var environment: [(name: String, value: String?)]
        /// The check of OUT as written (its `environment` is the one used: OUT's `Env`).
        public var recheck: DoctorReport
    }

    public let image: ImageRoot
    public let system: TargetSystem
    /// Variables the caller set on the command line (`--env`): they stand for how the
    /// container is started, so OUT is checked with them too, save those the plan sets.
    public let overrides: [String: String]
    public let cpu: CPUFeatures?
    /// The application rules IN was checked with; OUT is checked with them too.
    public let rules: [any ApplicationRules]

    public init(image: ImageRoot, system: TargetSystem, overrides: [String: String], cpu: CPUFeatures?,
                rules: [any ApplicationRules] = []) {
        self.image = image
        self.system = system
        self.overrides = overrides
        self.cpu = cpu
        self.rules = rules
    }

    /// Writes OUT for `report` (IN's check): stages it, checks it as written, renames it.
    /// - Parameters:
    ///   - created: the time of the history entry and of the new config (RFC 3339).
    ///   - generator: what the cache's generator field says wrote it.
    public func write(_ report: DoctorReport, to output: String, created: String, generator: String) throws(ImageRepairError) -> Outcome {
        let plan = report.plan ?? FixPlan()
        var addition: ImageAddition?
        var entries: [String] = []
        var cacheEntries: Int?
        var environment: [(name: String, value: String?)] = []
        if !plan.isEmpty {
            do { _ = try PlanApplier.work(for: plan) } catch { throw .plan(error) }
            let effect = PlanEffect(plan, base: image, confContents: { ConfFile.imageContents(directories: $0) },
                                    glibc: system.platform.glibc)
            guard effect.conflicts.isEmpty else { throw .conflict(paths: effect.conflicts.map(\.string)) }
            let layer = try RepairLayer(effect: effect, image: image, generator: generator)
            entries = layer.entries.map(Self.describe)
            cacheEntries = layer.cacheEntries
            environment = plan.environment.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            // The config is JSON: text only. A value with bytes that are not UTF-8 cannot be carried.
            for (name, value) in environment where ByteString.containsEscape(value ?? "") {
                throw .plan(.invalidAction("the value of \(name) is not UTF-8: an image config's Env (JSON text) cannot carry it"))
            }
            let fixed = Array(Set(plan.actions.flatMap(\.fixes))).sorted()
            addition = ImageAddition(
                layer: layer.bytes, environment: environment, created: created,
                createdBy: "ofdoctor fix --image --output (fixes \(fixed.map(\.rawValue).joined(separator: ", ")))",
                comment: "ofdoctor: " + plan.actions.map { "\($0.action.kind) [\($0.fixes.map(\.rawValue).joined(separator: ","))]" }.joined(separator: "; "))
        }
        let staged: StagedImage
        do { staged = try ImageWriter.stage(from: image.path, to: output, adding: addition) } catch { throw .image(error) }
        let recheck: DoctorReport
        do throws(ImageRepairError) {
            recheck = try check(staged, report: report)
        } catch {
            staged.discard()
            throw error
        }
        do { try staged.commit() } catch {
            staged.discard()
            throw .image(error)
        }
        return Outcome(staged: staged, layerEntries: entries, cacheEntries: cacheEntries, environment: environment, recheck: recheck)
    }

    /// OUT read back as `check --image` reads it, with its own config's `Env` (and the
    /// caller's `--env` for what the plan does not set): healthy, or failing only where IN
    /// needed a person.
    private func check(_ staged: StagedImage, report: DoctorReport) throws(ImageRepairError) -> DoctorReport {
        let written: ImageRoot
        do { written = try ImageRoot(path: staged.temporary) } catch { throw .readBack(error) }
        var variables = written.config.environment
        let planned = report.plan?.environment ?? [:]
        for (name, value) in overrides where planned[name] == nil { variables[name] = value }
        let environment = LoaderEnvironment(variables, workingDirectory: report.environment.workingDirectory,
                                            identity: report.environment.identity)
        let writtenSystem = TargetSystem.inspect(root: RootView(written), cpu: cpu, vdso: system.vdso)
        let recheck: DoctorReport
        do { recheck = try Doctor(system: writtenSystem, rules: rules).check(report.program, environment: environment) } catch {
            throw .analysis(error.description)
        }
        let personal = Set(report.blockers.map(\.findingID))
        let left = recheck.findings.filter(\.isProblem)
        guard recheck.status != .fixable, left.allSatisfy({ personal.contains($0.id) }) else {
            throw .notProven(left: left.map { "\($0.id) \($0.summary)" })
        }
        return recheck
    }

    private static func describe(_ entry: TarWriterEntry) -> String {
        switch entry.kind {
        case .directory: return entry.name + "/"
        case .symlink(let target): return entry.name + " -> " + target
        case .hardLink(let target): return entry.name + " => " + target
        case .file:
            let name = entry.name.slashSeparated().last ?? entry.name
            return name.hasPrefix(".wh.") ? entry.name + " (whiteout: removes \(name.dropFirst(4)))" : entry.name
        }
    }
}
