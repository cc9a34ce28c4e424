/* The floor under nodeguardd's cycle on this machine: the system calls the
 * daemon makes in one cycle of bench/footprint.sh (strace -p shows them), in
 * C and nothing else, at the same cadence. footprint.sh measures it from
 * /proc/PID/schedstat over the same window as the daemon and monit, so
 * c_floor_us_per_cycle and cpu_us_per_cycle are the same measure: what is
 * left between them is nodeguard's own code.
 *
 * usage: floor PIDFILE STATUS_DIR   (runs until killed)
 * A cycle: wake from sigtimedwait; the node's pidfile (open, read, close);
 * its /proc/PID/statm and task/PID/children, kept open; its task list (lseek,
 * getdents64); /proc/meminfo, /proc/pressure/memory and /proc/net/dev, kept
 * open; statfs("/"); the status file (open, write, close, rename); the
 * thread's CPU clock. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int open_proc(const char *fmt, int pid, int flags) {
    char path[128];
    snprintf(path, sizeof path, fmt, pid, pid);
    return open(path, flags | O_CLOEXEC);
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: floor PIDFILE STATUS_DIR\n"); return 2; }
    const char *pidfile = argv[1];
    char buf[8192], status[1400], tmp[512], path[512];
    memset(status, 'x', sizeof status);
    snprintf(tmp, sizeof tmp, "%s/floor-status.json.tmp", argv[2]);
    snprintf(path, sizeof path, "%s/floor-status.json", argv[2]);

    int fd = open(pidfile, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0) close(fd);
    if (n <= 0) { fprintf(stderr, "floor: cannot read %s\n", pidfile); return 1; }
    buf[n] = 0;
    int pid = atoi(buf);
    int statm = open_proc("/proc/%d/statm", pid, O_RDONLY);
    int children = open_proc("/proc/%d/task/%d/children", pid, O_RDONLY);
    int task = open_proc("/proc/%d/task", pid, O_RDONLY | O_DIRECTORY);
    int meminfo = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
    int pressure = open("/proc/pressure/memory", O_RDONLY | O_CLOEXEC);
    int netdev = open("/proc/net/dev", O_RDONLY | O_CLOEXEC);

    sigset_t waited;
    sigemptyset(&waited);
    sigaddset(&waited, SIGHUP);
    sigprocmask(SIG_BLOCK, &waited, NULL);
    struct timespec second = {1, 0}, cpu;
    struct statfs fs;
    for (;;) {
        sigtimedwait(&waited, NULL, &second);
        fd = open(pidfile, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) { pread(fd, buf, sizeof buf, 0); close(fd); }
        pread(statm, buf, sizeof buf, 0);
        pread(children, buf, sizeof buf, 0);
        lseek(task, 0, SEEK_SET);
        syscall(SYS_getdents64, task, buf, sizeof buf);
        pread(meminfo, buf, sizeof buf, 0);
        if (pressure >= 0) pread(pressure, buf, sizeof buf, 0);
        statfs("/", &fs);
        pread(netdev, buf, sizeof buf, 0);
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd >= 0) { write(fd, status, sizeof status); close(fd); rename(tmp, path); }
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
    }
}
