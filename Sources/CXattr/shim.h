#ifndef OFDOCTOR_CXATTR_SHIM_H
#define OFDOCTOR_CXATTR_SHIM_H
#include <sys/xattr.h>

/* 1 when the open file carries the `security.capability` attribute (file capabilities,
   which an execve by a user who lacks them turns into secure-execution mode); glibc's
   Swift module map leaves <sys/xattr.h> out. */
static inline int ofdoctor_has_file_capabilities(int fd) {
    return fgetxattr(fd, "security.capability", 0, 0) > 0;
}
#endif
