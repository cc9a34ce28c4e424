#define _GNU_SOURCE
#include <unistd.h>
#include <sys/syscall.h>
#include "cnodeguard.h"

ssize_t ng_getdents64(int fd, void *buffer, size_t length) {
    return syscall(SYS_getdents64, fd, buffer, length);
}

/* An unlinked in-memory file (a child's stdin); -1 on failure. */
int ng_memfd(const char *name) {
    return (int)syscall(SYS_memfd_create, name, 1u /* MFD_CLOEXEC */);
}
