#define _GNU_SOURCE
#include "CSpawn.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <grp.h>
#include <sched.h>
#include <net/if.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
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

/* What the child reports when it cannot exec: the errno, and the step that failed
   (OFDOCTOR_SPAWN_EXEC: execve itself, the kernel refused the program). */
struct failure_report { int code; int step; };

/* Records the step and goes to the function's `fail:` label (which writes the report). */
#define FAIL(at) do { failure.step = (at); goto fail; } while (0)

const char *ofdoctor_spawn_step_name(int step) {
    switch (step) {
    case OFDOCTOR_SPAWN_EXEC: return "execve";
    case OFDOCTOR_SPAWN_STREAMS: return "setting up its process group and standard streams";
    case OFDOCTOR_SPAWN_NAMESPACES: return "unshare of new mount, process-id, network, IPC and host-name namespaces";
    case OFDOCTOR_SPAWN_LOOPBACK: return "setting its network namespace's loopback up";
    case OFDOCTOR_SPAWN_MOUNT: return "the root's bind mount (nodev)";
    case OFDOCTOR_SPAWN_PROCESS: return "fork, pipe or prctl";
    case OFDOCTOR_SPAWN_CHROOT: return "chroot into the root";
    case OFDOCTOR_SPAWN_WORKDIR: return "chdir to its working directory";
    case OFDOCTOR_SPAWN_CAPABILITIES: return "dropping capabilities";
    case OFDOCTOR_SPAWN_USER: return "becoming its user (setgroups, setgid, setuid)";
    default: return "a step before execve";
    }
}

/* The namespaces a program run in a root gets besides the mount one, as a container's
   processes do: its own process ids (it sees and signals only its own: neither kill(-1) nor
   /proc/PID/root reaches this machine's processes), its own network (a loopback only), IPC
   objects and host name. */
#define ROOT_NAMESPACES (CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)

/* Sets the new network namespace's loopback up, as a container's is (a program may talk to
   itself over 127.0.0.1). */
static int loopback_up(void) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct ifreq request;
    memset(&request, 0, sizeof request);
    request.ifr_name[0] = 'l';
    request.ifr_name[1] = 'o';
    int result = ioctl(fd, SIOCGIFFLAGS, &request);
    if (result == 0) {
        request.ifr_flags |= IFF_UP | IFF_RUNNING;
        result = ioctl(fd, SIOCSIFFLAGS, &request);
    }
    int code = errno;
    close(fd);
    errno = code;
    return result;
}

/* Reads exactly one `int` (EINTR retried): 1 when read, 0 at end of file or on an error. */
static int read_int(int fd, int *value) {
    ssize_t n;
    do { n = read(fd, value, sizeof *value); } while (n < 0 && errno == EINTR);
    return n == (ssize_t)sizeof *value;
}

/* The program's own steps, last in the child (or in the root's PID 1's child): the user to
   become, the death signal (after any change of credentials, which clears it), no descriptor
   but 0-2 and `report`, an empty signal mask, execve. `parent`: who must still be its parent
   once the death signal is set. Async-signal-safe calls only. Never returns. */
static void start_program(const char *path, char *const argv[], char *const envp[], pid_t parent, int report,
                          const OfdoctorConfinement *confinement) {
    struct failure_report failure = { 0, OFDOCTOR_SPAWN_PROCESS };
    if (confinement != NULL && confinement->switch_user) {
        if (setgroups(confinement->ngroups, confinement->groups) != 0 || setgid(confinement->gid) != 0
            || setuid(confinement->uid) != 0) FAIL(OFDOCTOR_SPAWN_USER);
    }
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) FAIL(OFDOCTOR_SPAWN_PROCESS);
    /* The parent may have died before the prctl: then no signal will come. */
    if (getppid() != parent) _exit(127);
    close_from(3, report);
    sigset_t empty;
    sigemptyset(&empty);
    sigprocmask(SIG_SETMASK, &empty, NULL);
    execve(path, argv, envp ? envp : environ);
    failure.step = OFDOCTOR_SPAWN_EXEC;
fail:
    failure.code = errno;
    (void)!write(report, &failure, sizeof failure);
    _exit(127);
}

/* PID 1 of the root's process namespace: enters the root, starts the program as PID 2,
   reaps whatever is left to it, and once the program has ended writes its wait status to
   `word` and exits, which ends every process left in the namespace (the kernel kills them).
   The program is not PID 1 itself: PID 1 gets no signal it has no handler for, so an abort()
   or a kill of its own would not end it as it ends anywhere else. */
static void be_init(const char *path, char *const argv[], char *const envp[], int report, int word,
                    const OfdoctorConfinement *confinement) {
    struct failure_report failure = { 0, OFDOCTOR_SPAWN_PROCESS };
    /* Gone with the supervisor, and then the whole namespace with it. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) FAIL(OFDOCTOR_SPAWN_PROCESS);
    /* The supervisor may have died before the prctl: its end of `word` is closed then. */
    struct pollfd check = { .fd = word, .events = POLLOUT };
    if (poll(&check, 1, 0) == 1 && (check.revents & POLLERR)) _exit(127);
    /* procfs of this process namespace, which only a process inside it can mount. */
    if (confinement->proc != NULL) (void)mount("proc", confinement->proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    if (chroot(confinement->root) != 0 || chdir("/") != 0) FAIL(OFDOCTOR_SPAWN_CHROOT);
    if (confinement->cwd != NULL && chdir(confinement->cwd) != 0) FAIL(OFDOCTOR_SPAWN_WORKDIR);
    /* After the chroot, which needs CAP_SYS_CHROOT, and before the program's change of user,
       which needs CAP_SETUID and CAP_SETGID (kept). */
    if (drop_capabilities() != 0) FAIL(OFDOCTOR_SPAWN_CAPABILITIES);
    pid_t program = fork();
    if (program < 0) FAIL(OFDOCTOR_SPAWN_PROCESS);
    if (program == 0) {
        close(word);
        start_program(path, argv, envp, 1, report, confinement);
    }
    close(report);
    for (;;) {
        int status = 0;
        pid_t ended = waitpid(-1, &status, 0);
        if (ended == program) {
            (void)!write(word, &status, sizeof status);
            _exit(0);
        }
        if (ended < 0 && errno != EINTR) _exit(127);
    }
fail:
    failure.code = errno;
    (void)!write(report, &failure, sizeof failure);
    _exit(127);
}

/* Ends the way `status` says a process ended: its exit code, or killed by its signal (no
   core dump of this process: the program's own was its business). Never returns. */
static void relay(int status) {
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        struct rlimit none = { 0, 0 };
        (void)setrlimit(RLIMIT_CORE, &none);
        (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        sigset_t only;
        sigemptyset(&only);
        sigaddset(&only, sig);
        sigprocmask(SIG_UNBLOCK, &only, NULL);
        kill(getpid(), sig);
        _exit(128 + sig);
    }
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 127);
}

/* The child's side with a root to enter: new namespaces (ROOT_NAMESPACES), the root seen
   through a nodev bind mount, then PID 1 of the new process namespace started (`be_init`),
   and this process, still in this machine's namespace, waits for PID 1's word and ends as
   the program did: the parent sees the program's status on the pid it was given. */
static void supervise(const char *path, char *const argv[], char *const envp[], pid_t parent, int report,
                      const OfdoctorConfinement *confinement, unsigned long root_flags) {
    struct failure_report failure = { 0, OFDOCTOR_SPAWN_PROCESS };
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) FAIL(OFDOCTOR_SPAWN_PROCESS);
    if (getppid() != parent) _exit(127);
    if (unshare(ROOT_NAMESPACES) != 0) FAIL(OFDOCTOR_SPAWN_NAMESPACES);
    if (loopback_up() != 0) FAIL(OFDOCTOR_SPAWN_LOOPBACK);
    /* A private mount namespace, so /proc mounted in the root is seen by nothing else. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) FAIL(OFDOCTOR_SPAWN_MOUNT);
    /* The root seen through a bind mount of its own, nodev: a device node the root holds
       (an image unpacked as root keeps its /dev entries) opens nothing of this machine. */
    if (mount(confinement->root, confinement->root, NULL, MS_BIND | MS_REC, NULL) != 0) FAIL(OFDOCTOR_SPAWN_MOUNT);
    if (mount(NULL, confinement->root, NULL, MS_REMOUNT | MS_BIND | MS_NODEV | root_flags, NULL) != 0) FAIL(OFDOCTOR_SPAWN_MOUNT);
    int word[2];
    if (pipe2(word, O_CLOEXEC) != 0) FAIL(OFDOCTOR_SPAWN_PROCESS);
    pid_t init = fork();
    if (init < 0) FAIL(OFDOCTOR_SPAWN_PROCESS);
    if (init == 0) {
        close(word[0]);
        be_init(path, argv, envp, report, word[1], confinement);
    }
    close(word[1]);
    close(report);
    int status = 0;
    int told = read_int(word[0], &status);
    int init_status = 0;
    while (waitpid(init, &init_status, 0) < 0 && errno == EINTR) {}
    /* No word: PID 1 failed before the program ran (it reported that), or was killed. */
    relay(told ? status : init_status);
fail:
    failure.code = errno;
    (void)!write(report, &failure, sizeof failure);
    _exit(127);
}

/* The child's side, between fork and execve: async-signal-safe calls only. Never returns. */
static void become(const char *path, char *const argv[], char *const envp[],
                   int out_fd, int err_fd, pid_t parent, int report, const OfdoctorConfinement *confinement,
                   unsigned long root_flags) {
    struct sigaction deflt = { .sa_handler = SIG_DFL };
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &deflt, NULL);
    }
    struct failure_report failure = { 0, OFDOCTOR_SPAWN_PROCESS };
    /* Its own group, so a deadline can kill it with anything it started, and a ^C typed
       at ofdoctor's terminal reaches ofdoctor alone. */
    if (setpgid(0, 0) != 0) FAIL(OFDOCTOR_SPAWN_STREAMS);
    /* Before any chroot: the root need not have /dev/null. */
    int null = open("/dev/null", O_RDONLY);
    if (null < 0) FAIL(OFDOCTOR_SPAWN_STREAMS);
    if (move_to(null, 0) != 0 || move_to(out_fd, 1) != 0 || move_to(err_fd, 2) != 0) FAIL(OFDOCTOR_SPAWN_STREAMS);
    if (confinement != NULL && confinement->root != NULL) {
        supervise(path, argv, envp, parent, report, confinement, root_flags);
    }
    if (confinement != NULL && confinement->cwd != NULL && chdir(confinement->cwd) != 0) FAIL(OFDOCTOR_SPAWN_WORKDIR);
    start_program(path, argv, envp, parent, report, confinement);
fail:
    failure.code = errno;
    (void)!write(report, &failure, sizeof failure);
    _exit(127);
}

int ofdoctor_spawn_confined(const char *path, char *const argv[], char *const envp[],
                            int out_fd, int err_fd, const OfdoctorConfinement *confinement,
                            pid_t *pid, int *failed_step) {
    *failed_step = OFDOCTOR_SPAWN_PROCESS;
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
    struct failure_report failure = { 0, OFDOCTOR_SPAWN_PROCESS };
    ssize_t n;
    do { n = read(report[0], &failure, sizeof failure); } while (n < 0 && errno == EINTR);
    close(report[0]);
    if (n == (ssize_t)sizeof failure) {
        while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {}
        *failed_step = failure.step;
        return failure.code != 0 ? failure.code : EINVAL;
    }
    *pid = child;
    return 0;
}
