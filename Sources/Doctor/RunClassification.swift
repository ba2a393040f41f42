#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import LoaderModel
import Support

/// What one run of the program under `verify` shows, in the doctor's terms: whose failure
/// it was decides the exit code. An application's rules may know its program's own messages.
public struct RunClassification: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// It started and exited 0 (FeatureExtraction: loaded what it needs).
        case started
        /// The dynamic loader refused it before `main`.
        case loaderRefused
        /// It started, then a library it opens itself (dlopen, MKL) was not found.
        case runtimeLibraryMissing
        /// FeatureExtraction started and reported model files missing.
        case modelsMissing
        /// The loader did its part; the program exited non-zero, died of a signal or ran
        /// past the timeout for reasons of its own (arguments, input, data).
        case programFailed
    }

    public var kind: Kind
    public var summary: String
    public var details: [String]

    public init(kind: Kind, summary: String, details: [String]) {
        self.kind = kind
        self.summary = summary
        self.details = details
    }

    public var ok: Bool { kind == .started }

    /// `status` as the shell reports it: the exit code, 128+N for signal N; `stoppedAfter`
    /// the time limit in seconds when it was stopped there (nil when it ended by itself).
    public static func classify(program: ProgramLocation, status: Int32, stdout: String, stderr: String, stoppedAfter: Int?,
                                rules: [any ApplicationRules] = []) -> RunClassification {
        let lines = (stderr + "\n" + stdout).split(whereSeparator: \.isNewline).map(String.init)
        if let timeout = stoppedAfter {
            return RunClassification(kind: .programFailed, summary: "started, and was still running after \(timeout) s (--timeout \(timeout)): stopped",
                                     details: Array(lines.suffix(3)))
        }
        if let line = lines.first(where: { $0.contains("error while loading shared libraries") || $0.contains("symbol lookup error")
            || ($0.contains("version `") && $0.contains("not found (required by")) || $0.contains("Inconsistency detected by ld.so")
            // (glibc 2.41's rtld.c under glibc.rtld.execstack=0; other "Fatal glibc error" lines are libc's, at run time)
            || $0 == MappingRefusal.programExecutableStack }) {
            return RunClassification(kind: .loaderRefused, summary: "the loader refused it", details: [line])
        }
        // (The loader's own "ERROR: ld.so: object '…' cannot be preloaded …: ignored." and "…
        // cannot be loaded as audit interface: …; ignored." lines say it went on without it.)
        let runtime = lines.filter {
            $0.contains("INTEL MKL ERROR") || $0.contains("Intel MKL FATAL ERROR")
                || ($0.contains("cannot open shared object file") && !($0.hasPrefix("ERROR: ld.so: object '") && $0.hasSuffix("ignored.")))
        }
        if !runtime.isEmpty {
            return RunClassification(kind: .runtimeLibraryMissing,
                                     summary: "started, then a library it opens at run time was not found (dlopen)", details: runtime)
        }
        if let known = rules.lazy.compactMap({ $0.classifyRun(program: program, status: status, stdout: stdout, stderr: stderr) }).first {
            return known
        }
        if status == 0 {
            return RunClassification(kind: .started, summary: "started and exited normally", details: Array(lines.suffix(3)))
        }
        return RunClassification(kind: .programFailed, summary: "started, then \(Self.ending(status))", details: Array(lines.suffix(3)))
    }

    /// A program execve refused, before any loader ran, with the status a shell reports
    /// for it (127 for a file it cannot find, as a missing interpreter is; 126 otherwise) and
    /// the kind of the loader's refusal: like it, the program never started.
    public static func refusedByKernel(program: ProgramLocation, errno code: Int32) -> (status: Int32, classification: RunClassification) {
        let why: String
        switch code {
        case ENOENT: why = "its interpreter (PT_INTERP), or the file itself, is not there"
        case EACCES: why = "no execute permission (or a noexec mount)"
        case ENOEXEC: why = "not an executable this machine runs"
        case ELIBBAD: why = "its interpreter is not a usable ELF file"
        default: why = "execve failed"
        }
        return (code == ENOENT ? 127 : 126,
                RunClassification(kind: .loaderRefused, summary: "the kernel refused to start it: \(why)",
                                  details: ["execve(\(program.path.string)): \(Errno.describe(code))"]))
    }

    /// How a run that the loader started ended: `the program itself exited with 1`, `was killed by signal 11 (SIGSEGV)`.
    public static func ending(_ status: Int32) -> String {
        guard status > 128 && status < 128 + 65 else { return "the program itself exited with \(status)" }
        let number = status - 128
        return "was killed by signal \(number)" + (signalNames[number].map { " (\($0))" } ?? "")
    }

    /// The signals of signal(7) that end a program, by their x86-64 Linux numbers.
    static let signalNames: [Int32: String] = [
        1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE",
        9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM",
        24: "SIGXCPU", 25: "SIGXFSZ", 31: "SIGSYS",
    ]
}
