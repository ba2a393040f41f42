#ifndef OFDOCTOR_CSPAWN_H
#define OFDOCTOR_CSPAWN_H
#include <sys/types.h>

/* Starts `path` with `argv` and `envp` (NULL: this process's environment) as a child that
   cannot outlive the calling thread: fork, then in the child (async-signal-safe calls only)
   its own process group, PR_SET_PDEATHSIG SIGKILL, default signal dispositions and an
   empty mask, stdin from /dev/null, stdout and stderr onto `out_fd` and `err_fd`, every
   other descriptor closed, execve. posix_spawn has no attribute for the death signal,
   which is why this is C.
   Returns 0 with *pid set, or the errno of what failed (fork, or in the child setpgid,
   prctl, open, dup2 or execve; the child is then reaped). */
int ofdoctor_spawn(const char *path, char *const argv[], char *const envp[],
                   int out_fd, int err_fd, pid_t *pid);

#endif
