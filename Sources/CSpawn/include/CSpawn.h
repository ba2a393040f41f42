#ifndef OFDOCTOR_CSPAWN_H
#define OFDOCTOR_CSPAWN_H
#include <sys/types.h>

/* Where and as whom the child runs, entered in the child before execve. */
typedef struct {
    /* NULL: this process's root. Otherwise the child enters new mount, process-id,
       network (a loopback only), IPC and host-name namespaces, as a container's processes
       do, sees `root` through a bind mount of its own without devices (nodev), and starts
       PID 1 of the new process namespace, which mounts procfs on `proc` (when not NULL; a
       failure is ignored, as a root may lack the directory), chroot(2)s into `root`, keeps
       only Docker's default capabilities less CAP_SYS_CHROOT and CAP_MKNOD (the bounding
       set; inheritable and ambient emptied) and starts the program as PID 2. So the program
       cannot chroot its way out, mount, load modules, read raw devices, see or signal this
       machine's processes or use its network; when it ends, PID 1 ends, and with it
       everything the program left running. The child itself stays in this machine's
       namespaces and ends as the program ended (its exit code, or its signal). Needs root. */
    const char *root;
    const char *proc;
    /* The directory to start in (inside `root`); NULL: `/` when a root is entered, else
       this process's. */
    const char *cwd;
    /* Non-zero: supplementary groups `groups` (ngroups of them), then gid, then uid (as
       chroot --userspec with --groups does). */
    int switch_user;
    uid_t uid;
    gid_t gid;
    const gid_t *groups;
    size_t ngroups;
} OfdoctorConfinement;

/* The step a child failed at, before or at execve. */
enum {
    OFDOCTOR_SPAWN_EXEC = 0,          /* execve: the kernel refused the program */
    OFDOCTOR_SPAWN_STREAMS = 1,       /* its process group, /dev/null and the output pipes */
    OFDOCTOR_SPAWN_NAMESPACES = 2,    /* unshare */
    OFDOCTOR_SPAWN_LOOPBACK = 3,      /* the new network namespace's loopback */
    OFDOCTOR_SPAWN_MOUNT = 4,         /* the root's bind mount */
    OFDOCTOR_SPAWN_PROCESS = 5,       /* fork, pipe, prctl */
    OFDOCTOR_SPAWN_CHROOT = 6,
    OFDOCTOR_SPAWN_WORKDIR = 7,
    OFDOCTOR_SPAWN_CAPABILITIES = 8,
    OFDOCTOR_SPAWN_USER = 9           /* setgroups, setgid, setuid */
};

/* What a person reads for a step: "chroot into the root". */
const char *ofdoctor_spawn_step_name(int step);

/* Starts `path` with `argv` and `envp` (NULL: this process's environment) as a child that
   cannot outlive the calling thread: fork, then in the child (async-signal-safe calls only)
   its own process group, default signal dispositions and an empty mask, stdin from
   /dev/null, stdout and stderr onto `out_fd` and `err_fd`, `confinement` entered (NULL:
   none), PR_SET_PDEATHSIG SIGKILL (after any change of user, which clears it), every other
   descriptor closed, execve. posix_spawn has no attribute for the death signal, nor for a
   chroot, which is why this is C.
   Returns 0 with *pid set, or the errno of what failed, with *failed_step the step (fork:
   OFDOCTOR_SPAWN_PROCESS; execve itself: OFDOCTOR_SPAWN_EXEC, and the errno is the
   kernel's refusal of the program); the child is then reaped. */
int ofdoctor_spawn_confined(const char *path, char *const argv[], char *const envp[],
                            int out_fd, int err_fd, const OfdoctorConfinement *confinement,
                            pid_t *pid, int *failed_step);

#endif
