#ifndef CNODEGUARD_H
#define CNODEGUARD_H
#include <stddef.h>
#include <sys/types.h>

/* getdents64(2): one call lists a whole small directory with d_type and
 * d_ino, where readdir costs an fstat and fcntl (fdopendir) and a second
 * call. syscall(2) is variadic, which Swift cannot call. */
ssize_t ng_getdents64(int fd, void *buffer, size_t length);

#endif
