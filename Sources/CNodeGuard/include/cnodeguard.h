#ifndef CNODEGUARD_H
#define CNODEGUARD_H
#include <stddef.h>
#include <sys/types.h>

/* getdents64(2): one call lists a whole small directory with d_type and
 * d_ino, where readdir costs an fstat and fcntl (fdopendir) and a second
 * call. syscall(2) is variadic, which Swift cannot call. */
ssize_t ng_getdents64(int fd, void *buffer, size_t length);

/* fallocate(2) FALLOC_FL_COLLAPSE_RANGE over the first `length` bytes (a
 * multiple of the filesystem's block size, short of the end): the file's head
 * is cut and what follows moves down, under the inode lock that dockerd's
 * O_APPEND writes take too. 0, or the errno (EOPNOTSUPP where the filesystem
 * cannot: tmpfs, btrfs, overlayfs). */
int ng_collapse_head(int fd, long long length);

/* libsystemd's D-Bus client, loaded with dlopen only when nodeguard first
 * restarts or stops a unit: linked, libsystemd and the libraries it pulls
 * in (libgcrypt, libzstd, liblzma, liblz4, libcap) cost ~0.6 MiB resident
 * in a daemon that uses D-Bus a few times a month. The journal and
 * sd_notify protocols are spoken directly (System/SystemdSockets.swift). */
typedef struct ng_bus_error { const char *name; const char *message; int need_free; } ng_bus_error;
typedef void ng_bus;
typedef void ng_bus_message;
typedef void ng_bus_slot;
typedef int (*ng_bus_handler)(ng_bus_message *m, void *userdata, ng_bus_error *error);

struct ng_libsystemd {
    int (*bus_open_system)(ng_bus **bus);
    ng_bus *(*bus_close_unref)(ng_bus *bus);
    int (*message_new_method_call)(ng_bus *bus, ng_bus_message **m, const char *destination, const char *path,
                                   const char *interface, const char *member);
    ng_bus_message *(*message_ref)(ng_bus_message *m);
    ng_bus_message *(*message_unref)(ng_bus_message *m);
    int (*message_append_basic)(ng_bus_message *m, char type, const void *p);
    int (*message_read_basic)(ng_bus_message *m, char type, void *p);
    int (*message_is_method_error)(ng_bus_message *m, const char *name);
    const ng_bus_error *(*message_get_error)(ng_bus_message *m);
    int (*call_async)(ng_bus *bus, ng_bus_slot **slot, ng_bus_message *m, ng_bus_handler callback, void *userdata, unsigned long long usec);
    ng_bus_slot *(*slot_unref)(ng_bus_slot *slot);
    int (*process)(ng_bus *bus, ng_bus_message **r);
    int (*wait)(ng_bus *bus, unsigned long long timeout_usec);
};

/* Fills in every function from libsystemd.so.0 (loaded once, kept);
 * 0, or -1 with the dlerror() text in `error`. */
int ng_libsystemd_load(struct ng_libsystemd *lib, char *error, size_t length);

/* An unlinked in-memory file, close-on-exec: a child's stdin of any size. */
int ng_memfd(const char *name);

#endif
