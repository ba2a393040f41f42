import Foundation
import Testing

/// `verify --root` runs the root's own program, as root unless a user is named: a root from
/// an image nobody checked may hold a hostile one. Before, it ran with every capability in a
/// plain chroot, and a second `chroot` led out to this machine's root; a device node the root
/// held (an image unpacked as root keeps its /dev entries) opened this machine's device. Now
/// the program keeps Docker's default capabilities less CAP_SYS_CHROOT and CAP_MKNOD, and sees
/// the root through a nodev bind mount. And it ran in this machine's process and network
/// namespaces: as root, it could kill every process of this machine (`kill(-1, SIGKILL)`),
/// reach a process's `/proc/PID/root`, use the network, and leave processes running after
/// verify returned. Now it runs as PID 2 of a process namespace of its own (PID 1 reaps, and
/// its end ends the namespace), with a network namespace of its own (a loopback only).
@Suite("verify --root confines the root's program", .serialized,
       .enabled(if: RealLoader.canRunRoots, RealLoader.unavailableReason))
struct VerifyConfinementTests {
    @Test("a program that tries a way out: a second chroot, a mount, a device node made or held — each refused; the program runs")
    func waysOutRefused() throws {
        let build = try ScratchBuild("verify-confined", """
            bash -ec '. "$1/lib.sh"; mkroot root; launcher root; mkdir -p root/app/bin root/mnt' sh '\(FixtureRoot.scriptsDirectory)'
            cat > p.c <<'EOF'
            #define _GNU_SOURCE
            #include <errno.h>
            #include <fcntl.h>
            #include <stdio.h>
            #include <string.h>
            #include <sys/mount.h>
            #include <sys/stat.h>
            #include <sys/sysmacros.h>
            #include <unistd.h>
            static void say(FILE *out, const char *what, int result) {
                fprintf(out, "%s %s\\n", what, result == 0 ? "ok" : strerrorname_np(errno));
            }
            int main(void) {
                FILE *out = fopen("/result", "w");
                if (!out) return 2;
                mkdir("/esc", 0755);
                say(out, "chroot", chroot("/esc"));
                say(out, "mount", mount("none", "/mnt", "tmpfs", 0, NULL));
                say(out, "mknod", mknod("/blk", S_IFBLK | 0600, makedev(7, 0)));
                int fd = open("/zero", O_RDONLY);
                say(out, "device", fd >= 0 ? 0 : -1);
                say(out, "write", fputs("", out) < 0 ? -1 : 0);
                fclose(out);
                printf("ran as uid %d\\n", (int)getuid());
                return 0;
            }
            EOF
            gcc -o root/app/bin/prog p.c
            mknod root/zero c 1 5
            /sbin/ldconfig -r root
            """)
        defer { build.remove() }
        let root = build.dir + "/root"
        let verify = Command.ofdoctor(["verify", "--root", root, "/app/bin/prog"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let result = try String(contentsOfFile: root + "/result", encoding: .utf8)
        #expect(result == "chroot EPERM\nmount EPERM\nmknod EPERM\ndevice EACCES\nwrite ok\n", "\(result)")
        // Nothing of the run is left mounted on this machine.
        let mounts = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        #expect(!mounts.contains(build.dir), "\(mounts)")
    }

    /// The program: `own PID` writes to /result what it sees and may reach (PID: a process of
    /// this machine to try to kill), `linger` leaves a process of its own running, `exit N`,
    /// `abort` and `term` end it those ways.
    private static let namespaceProbe = """
        #define _GNU_SOURCE
        #include <arpa/inet.h>
        #include <dirent.h>
        #include <errno.h>
        #include <signal.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/prctl.h>
        #include <sys/socket.h>
        #include <unistd.h>
        static int loopback(void) {
            struct sockaddr_in address = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
            socklen_t length = sizeof address;
            int server = socket(AF_INET, SOCK_STREAM, 0), client = socket(AF_INET, SOCK_STREAM, 0);
            if (bind(server, (struct sockaddr *)&address, sizeof address) != 0 || listen(server, 1) != 0
                || getsockname(server, (struct sockaddr *)&address, &length) != 0) return -1;
            return connect(client, (struct sockaddr *)&address, sizeof address);
        }
        int main(int argc, char **argv) {
            if (argc > 1 && strcmp(argv[1], "exit") == 0) return atoi(argv[2]);
            if (argc > 1 && strcmp(argv[1], "abort") == 0) abort();
            if (argc > 1 && strcmp(argv[1], "term") == 0) { kill(getpid(), SIGTERM); puts("still here"); return 0; }
            if (argc > 1 && strcmp(argv[1], "flood") == 0) {
                static char line[1 << 16];
                memset(line, 'x', sizeof line - 1);
                line[sizeof line - 1] = '\\n';
                fputs("first words\\n", stderr);
                for (long n = atol(argv[2]) * 16; n > 0; n--) fwrite(line, 1, sizeof line, stdout);
                puts("last words");
                return 3;
            }
            if (argc > 1 && strcmp(argv[1], "linger") == 0) {
                if (fork() == 0) {
                    setsid();
                    prctl(PR_SET_NAME, "ofd-linger");
                    close(0); close(1); close(2);
                    sleep(300);
                    _exit(0);
                }
                puts("left one running");
                return 0;
            }
            FILE *out = fopen("/result", "w");
            if (!out) return 2;
            fprintf(out, "pid %d ppid %d\\n", (int)getpid(), (int)getppid());
            int processes = 0;
            DIR *proc = opendir("/proc");
            for (struct dirent *entry; proc && (entry = readdir(proc)); ) processes += atoi(entry->d_name) > 0;
            fprintf(out, "processes %d\\n", processes);
            int killed = kill(atoi(argv[2]), SIGKILL);
            fprintf(out, "kill %s\\n", killed == 0 ? "ok" : strerrorname_np(errno));
            FILE *net = fopen("/proc/self/net/dev", "r");
            char line[512];
            fprintf(out, "interfaces");
            for (int n = 0; net && fgets(line, sizeof line, net); n++) {
                char name[64];
                if (n >= 2 && sscanf(line, " %63[^:]:", name) == 1) fprintf(out, " %s", name);
            }
            fprintf(out, "\\nloopback %s\\n", loopback() == 0 ? "ok" : strerrorname_np(errno));
            return fclose(out);
        }
        """

    private static func probeRoot() throws -> ScratchBuild {
        try ScratchBuild("verify-namespaces", """
            bash -ec '. "$1/lib.sh"; mkroot root; launcher root; mkdir -p root/app/bin root/proc' sh '\(FixtureRoot.scriptsDirectory)'
            cat > p.c <<'EOF'
            \(namespaceProbe)
            EOF
            gcc -o root/app/bin/prog p.c
            /sbin/ldconfig -r root
            """)
    }

    @Test("the program sees and signals only its own processes (it is PID 2), has a network of its own with a loopback that works")
    func ownNamespaces() throws {
        let build = try Self.probeRoot()
        defer { build.remove() }
        // A process of this machine the program is told the id of: it must not be able to kill it.
        let sentinel = Process()
        sentinel.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sentinel.arguments = ["60"]
        try sentinel.run()
        defer { kill(sentinel.processIdentifier, SIGKILL); sentinel.waitUntilExit() }
        let verify = Command.ofdoctor(["verify", "--root", build.dir + "/root", "/app/bin/prog", "--", "own",
                                       String(sentinel.processIdentifier)])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let seen = try String(contentsOfFile: build.dir + "/root/result", encoding: .utf8)
        #expect(seen == "pid 2 ppid 1\nprocesses 2\nkill ESRCH\ninterfaces lo\nloopback ok\n", "\(seen)")
        let state = try? String(contentsOfFile: "/proc/\(sentinel.processIdentifier)/stat", encoding: .utf8)
        #expect(state.map { !$0.contains(") Z ") } == true, "the sentinel was killed: \(state ?? "gone")")
    }

    @Test("what the program leaves running ends with it: nothing of the run is left on this machine")
    func nothingLeftRunning() throws {
        let build = try Self.probeRoot()
        defer { build.remove() }
        let verify = Command.ofdoctor(["verify", "--root", build.dir + "/root", "--timeout", "30", "/app/bin/prog", "--", "linger"])
        let left = Self.processes(named: "ofd-linger")
        for pid in left { kill(pid, SIGKILL) }
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("left one running"), "\(verify.stdout)")
        #expect(left.isEmpty, "still running: \(left)")
    }

    @Test("the program ends as it would anywhere else: its exit code, abort() is SIGABRT, a SIGTERM it sends itself ends it",
          arguments: [(["exit", "42"], "exit 42"), (["abort"], "exit 134"), (["term"], "exit 143")])
    func endsAsElsewhere(_ arguments: [String], _ ending: String) throws {
        let build = try Self.probeRoot()
        defer { build.remove() }
        let verify = Command.ofdoctor(["verify", "--root", build.dir + "/root", "--timeout", "30", "/app/bin/prog", "--"] + arguments)
        #expect(verify.status == 5, "\(verify.stdout)\(verify.stderr)")
        let headline = verify.stdout.split(separator: "\n").first.map(String.init) ?? ""
        #expect(headline.hasSuffix(ending) || headline.contains(ending + ":"), "\(verify.stdout)")
        #expect(!verify.stdout.contains("still here"), "\(verify.stdout)")
    }

    @Test("without CAP_SYS_ADMIN (the root user of a container): exit 3, one line naming the step that failed and what verify --root needs")
    func withoutSysAdmin() throws {
        let build = try Self.probeRoot()
        defer { build.remove() }
        let result = Command.run("/usr/bin/setpriv", ["--bounding-set=-sys_admin", "--inh-caps=-sys_admin", Command.ofdoctorPath,
                                                      "verify", "--root", build.dir + "/root", "/app/bin/prog", "--", "exit", "0"],
                                 environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "NO_COLOR": "1"])
        #expect(result.status == 3, "\(result.stdout)\(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1 && result.stdout.isEmpty, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.hasPrefix("ofdoctor: cannot start /app/bin/prog inside its root")
                && result.stderr.contains("unshare") && result.stderr.contains("EPERM")
                && result.stderr.contains("needs root with CAP_SYS_ADMIN"), "\(result.stderr)")
    }

    @Test("a program that writes 512 MiB: verify keeps the first and last 4 MiB of each stream, says how much it left out, and stays small")
    func floodBounded() throws {
        let build = try Self.probeRoot()
        defer { build.remove() }
        // ofdoctor's own peak, from wait4 in a wrapper: this process's RUSAGE_CHILDREN also
        // counts the children of the suites running beside this one.
        let wrapper = try ScratchBuild("maxrss", """
            cat > maxrss.c <<'EOF'
            #include <stdio.h>
            #include <sys/resource.h>
            #include <sys/wait.h>
            #include <unistd.h>
            int main(int argc, char **argv) {
                pid_t pid = fork();
                if (pid == 0) { execv(argv[2], argv + 2); _exit(127); }
                int status; struct rusage usage;
                if (pid < 0 || wait4(pid, &status, 0, &usage) < 0) return 126;
                FILE *out = fopen(argv[1], "w");
                if (!out) return 126;
                fprintf(out, "%ld\\n", usage.ru_maxrss);
                fclose(out);
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            EOF
            gcc -o maxrss maxrss.c
            """)
        defer { wrapper.remove() }
        let peakFile = wrapper.dir + "/peak"
        let verify = Command.run(wrapper.dir + "/maxrss",
                                 [peakFile, Command.ofdoctorPath, "verify", "--root", build.dir + "/root", "--timeout", "120", "/app/bin/prog", "--", "flood", "512"],
                                 environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "NO_COLOR": "1"])
        let peak = Int((try? String(contentsOfFile: peakFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "")
        #expect(verify.status == 5, "\(verify.stderr)")
        let headline = verify.stdout.split(separator: "\n").first.map(String.init) ?? ""
        #expect(headline.contains("exit 3"), "\(headline)")
        #expect(verify.stdout.contains("last words"), "the program's last line is kept")
        // 512 MiB and 11 bytes, less 8 MiB kept of stdout (stderr's one line is all kept).
        #expect(verify.stdout.contains("(\((512 << 20) + 11 - (8 << 20)) bytes of its output"), "\(verify.stdout.suffix(300))")
        // ofdoctor's peak (KiB, with the program's, which writes and holds nothing): not the half gigabyte.
        #expect(peak.map { $0 > 0 && $0 <= 160 * 1024 } == true, "max RSS \(peak.map(String.init) ?? "unknown") KiB")
    }

    /// This machine's processes whose name (`comm`) is `name`.
    private static func processes(named name: String) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry in
            guard let pid = pid_t(entry),
                  let comm = try? String(contentsOfFile: "/proc/\(entry)/comm", encoding: .utf8) else { return nil }
            return comm.trimmingCharacters(in: .whitespacesAndNewlines) == name ? pid : nil
        }
    }
}
