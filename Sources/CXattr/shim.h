#ifndef OFDOCTOR_CXATTR_SHIM_H
#define OFDOCTOR_CXATTR_SHIM_H
#include <stddef.h>
#include <sys/types.h>
#include <sys/xattr.h>

/* The open file's `security.capability` attribute (struct vfs_cap_data: file capabilities,
   which an execve by a user who lacks them may turn into secure-execution mode) into `buffer`:
   its size, or -1 with errno (ENODATA: none; ERANGE: larger than `size`). glibc's Swift
   module map leaves <sys/xattr.h> out. */
static inline ssize_t ofdoctor_file_capabilities(int fd, void *buffer, size_t size) {
    return fgetxattr(fd, "security.capability", buffer, size);
}
#endif
