import Doctor
import ELFInspect
import LoaderModel

/// The verbs of a verdict. A program starts; a shared library (a shared object with no
/// `PT_INTERP` that its linker did not mark a program) is not started by anyone: `ldd` and
/// the check load it, as a program that needs it or `dlopen` would.
struct VerdictWords {
    /// "starts" or "loads".
    let does: String
    /// "start" or "load".
    let infinitive: String
    /// A static program: the kernel starts it, no loader takes part.
    let isStatic: Bool

    init(_ report: DoctorReport) {
        let objects = report.diagnosis.graph.objects
        let isLibrary = objects.first.map { Self.isLibrary($0.elf) } ?? false
        does = isLibrary ? "loads" : "starts"
        infinitive = isLibrary ? "load" : "start"
        isStatic = objects.first?.elf.isStaticProgram ?? false
    }

    static func isLibrary(_ elf: ELFFile) -> Bool {
        elf.header.type == ELFHeader.sharedObject && elf.interpreter == nil && !elf.isMarkedPIE
    }

    /// "the loader will start it" ("the kernel will start it, without the loader" for a
    /// static program).
    var healthy: String { isStatic ? "the kernel will start it, without the loader" : "the loader will \(infinitive) it" }
    /// "will not start", "may not start" or "starts but will fail".
    func failing(startsFirst: Bool, uncertain: Bool) -> String {
        !startsFirst ? "will not \(infinitive)" : uncertain ? "may not \(infinitive)" : "\(does) but will fail"
    }
}
