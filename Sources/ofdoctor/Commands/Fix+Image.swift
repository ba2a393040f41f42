#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Apply
import Doctor
import LoaderModel
import RootFS
import Support

extension Fix {
    /// `fix --image IN --output OUT`: the repaired image written and checked, then what it holds.
    func writeImage(_ report: DoctorReport, session: DoctorSession, output: String) throws {
        guard let image = session.system.root.filesystem as? ImageRoot else {
            throw CommandFailure.analysis("--output needs --image")
        }
        let repair = ImageRepair(image: image, system: session.system, overrides: target.assignments, cpu: target.cpuFeatures(),
                                 rules: DoctorSession.rules)
        let outcome: ImageRepair.Outcome
        do throws(ImageRepairError) {
            outcome = try repair.write(report, to: output, created: Self.now(),
                                       generator: "ofdoctor \(OfdoctorVersion.string) fix --image (ldconfig of glibc \(session.system.platform.glibc))")
        } catch {
            switch error {
            case .image(.input), .image(.badDocument), .analysis: throw CommandFailure.analysis(error.description)
            default: throw CommandFailure.apply(error.description)
            }
        }
        print(ImageRepairText(report: report, outcome: outcome, input: image.path, program: session.program).lines.joined(separator: "\n"))
        throw ExitStatus.code(for: report)
    }

    /// Now, as RFC 3339 in UTC (the history entry's `created`).
    static func now() -> String {
        var seconds = time(nil)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }
}
