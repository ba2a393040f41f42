#define _GNU_SOURCE
#include "CSpawn.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <grp.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <unistd.h>

extern char **environ;

/* Closes every descriptor from `low` up, but `keep`: close_range(2) (Linux 5.9), else one
   close per number below the limit (closing what is not open is harmless). */
static void close_from(int low, int keep) {
#ifdef SYS_close_range
    int below = keep > low ? syscall(SYS_close_range, (unsigned)low, (unsigned)(keep - 1), 0) : 0;
    unsigned above = keep >= low ? (unsigned)keep + 1 : (unsigned)low;
    if (below == 0 && syscall(SYS_close_range, above, ~0U, 0) == 0) return;
#endif
    struct rlimit limit;
    int top = 65536;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < (rlim_t)top) top = (int)limit.rlim_cur;
    for (int fd = low; fd < top; fd++) {
        if (fd != keep) close(fd);
    }
}

/* dup2 that also works when the descriptor is already in place: then only close-on-exec is
   cleared (dup2 onto itself would leave it set, and exec would close the stream). */
static int move_to(int fd, int target) {
    if (fd == target) return fcntl(fd, F_SETFD, 0);
    return dup2(fd, target) < 0 ? -1 : 0;
}

/* The capabilities a program run in a root keeps: Docker's default set, less CAP_SYS_CHROOT
   (Docker enters the root with pivot_root; out of a chroot, a second chroot leads back to
   this machine's root) and CAP_MKNOD. Every other one (mounts, modules, raw I/O, ptrace,
   open_by_handle_at, ...) is dropped from the bounding set, which is all a program run as
   root gets at execve. */
static int kept_capability(int cap) {
    switch (cap) {
    case CAP_CHOWN: case CAP_DAC_OVERRIDE: case CAP_FOWNER: case CAP_FSETID: case CAP_KILL:
    case CAP_SETGID: case CAP_SETUID: case CAP_SETPCAP: case CAP_NET_BIND_SERVICE:
    case CAP_NET_RAW: case CAP_AUDIT_WRITE: case CAP_SETFCAP:
        return 1;
    default:
        return 0;
    }
}

/* Drops every capability but the kept ones from the bounding set, and empties the
   inheritable and ambient sets, so that what the program gets at execve is the rest. */
static int drop_capabilities(void) {
    for (int cap = 0; cap < 64; cap++) {
        if (kept_capability(cap)) continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
            if (errno == EINVAL) break;   /* past the kernel's last capability */
            return -1;
        }
    }
    (void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);   /* EINVAL before Linux 4.3 */
    struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &header, data) != 0) return -1;
    data[0].inheritable = data[1].inheritable = 0;
    return (int)syscall(SYS_capset, &header, data);
}

/* The mount flags a bind mount of `path` keeps when it is remounted (read-only, nosuid, ...):
   a remount sets exactly the flags it is given. */
static unsigned long kept_mount_flags(const char *path) {
    struct statvfs info;
    if (statvfs(path, &info) != 0) return 0;
    unsigned long flags = 0;
    if (info.f_flag & ST_RDONLY) flags |= MS_RDONLY;
    if (info.f_flag & ST_NOSUID) flags |= MS_NOSUID;
    if (info.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
    if (info.f_flag & ST_NOATIME) flags |= MS_NOATIME;
    if (info.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
    if (info.f_flag & ST_RELATIME) flags |= MS_RELATIME;
    return flags;
}

/* What the child reports when it cannot exec: the errno, and whether execve itself failed
   (the kernel refused the program) or a step before it. */
struct failure_report { int code; int at_exec; };

/* The child's side, between fork and execve: async-signal-safe calls only. Never returns. */
static void become(const char *path, char *const argv[], char *const envp[],
                   int out_fd, int err_fd, pid_t parent, int report, const OfdoctorConfinement *confinement,
                   unsigned long root_flags) {
    struct sigaction deflt = { .sa_handler = SIG_DFL };
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &deflt, NULL);
    }
    struct failure_report failure = { 0, 0 };
    /* Its own group, so a deadline can kill it with anything it started, and a ^C typed
       at ofdoctor's terminal reaches ofdoctor alone. */
    if (setpgid(0, 0) != 0) goto fail;
    /* Before any chroot: the root need not have /dev/null. */
    int null = open("/dev/null", O_RDONLY);
    if (null < 0) goto fail;
    if (move_to(null, 0) != 0 || move_to(out_fd, 1) != 0 || move_to(err_fd, 2) != 0) goto fail;
    if (confinement != NULL && confinement->root != NULL) {
        /* A private mount namespace, so /proc mounted in the root is seen by nothing else. */
        if (unshare(CLONE_NEWNS) != 0) goto fail;
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) goto fail;
        /* The root seen through a bind mount of its own, nodev: a device node the root holds
           (an image unpacked as root keeps its /dev entries) opens nothing of this machine. */
        if (mount(confinement->root, confinement->root, NULL, MS_BIND | MS_REC, NULL) != 0) goto fail;
        if (mount(NULL, confinement->root, NULL, MS_REMOUNT | MS_BIND | MS_NODEV | root_flags, NULL) != 0) goto fail;
        if (confinement->proc != NULL) (void)mount("proc", confinement->proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
        if (chroot(confinement->root) != 0 || chdir("/") != 0) goto fail;
    }
    if (confinement != NULL && confinement->cwd != NULL && chdir(confinement->cwd) != 0) goto fail;
    /* After the chroot, which needs CAP_SYS_CHROOT, and before a change of user, which
       needs CAP_SETUID and CAP_SETGID (kept). */
    if (confinement != NULL && confinement->root != NULL && drop_capabilities() != 0) goto fail;
    if (confinement != NULL && confinement->switch_user) {
        if (setgroups(confinement->ngroups, confinement->groups) != 0 || setgid(confinement->gid) != 0
            || setuid(confinement->uid) != 0) goto fail;
    }
    /* After any change of credentials, which clears it. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) goto fail;
    /* The parent may have died before the prctl: then no signal will come. */
    if (getppid() != parent) _exit(127);
    close_from(3, report);
    sigset_t empty;
    sigemptyset(&empty);
    sigprocmask(SIG_SETMASK, &empty, NULL);
    execve(path, argv, envp ? envp : environ);
    failure.at_exec = 1;
fail:
    failure.code = errno;
    (void)!write(report, &failure, sizeof failure);
    _exit(127);
}

int ofdoctor_spawn_confined(const char *path, char *const argv[], char *const envp[],
                            int out_fd, int err_fd, const OfdoctorConfinement *confinement,
                            pid_t *pid, int *exec_failed) {
    *exec_failed = 0;
    /* The child writes its failure here if it cannot exec; close-on-exec makes success read EOF. */
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) return errno;
    /* No handler of ours may run in the child before its dispositions are reset. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t parent = getpid();
    /* (read here: statvfs is no async-signal-safe call for the child) */
    unsigned long root_flags = confinement != NULL && confinement->root != NULL ? kept_mount_flags(confinement->root) : 0;
    pid_t child = fork();
    if (child == 0) become(path, argv, envp, out_fd, err_fd, parent, report[1], confinement, root_flags);
    int fork_error = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(report[1]);
    if (child < 0) {
        close(report[0]);
        return fork_error;
    }
    /* Also from this side, so the group exists before anyone signals it (EACCES once the
       child has exec'd is expected: it made the group itself). */
    (void)setpgid(child, child);
    struct failure_report failure = { 0, 0 };
    ssize_t n;
    do { n = read(report[0], &failure, sizeof failure); } while (n < 0 && errno == EINTR);
    close(report[0]);
    if (n == (ssize_t)sizeof failure) {
        while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {}
        *exec_failed = failure.at_exec;
        return failure.code != 0 ? failure.code : EINVAL;
    }
    *pid = child;
    return 0;
}
