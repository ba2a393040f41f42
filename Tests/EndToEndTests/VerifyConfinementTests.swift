import Foundation
import Testing

/// `verify --root` runs the root's own program, as root unless a user is named: a root from
/// an image nobody checked may hold a hostile one. Before, it ran with every capability in a
/// plain chroot, and a second `chroot` led out to this machine's root; a device node the root
/// held (an image unpacked as root keeps its /dev entries) opened this machine's device. Now
/// the program keeps Docker's default capabilities less CAP_SYS_CHROOT and CAP_MKNOD, and sees
/// the root through a nodev bind mount.
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
}
