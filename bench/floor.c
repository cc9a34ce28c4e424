/* The floor under nodeguard's cycle on this machine: the same system calls
 * in C (read /proc/meminfo and PSI, statvfs /, write the status file through
 * a temporary file and rename), once a second, each cycle measured with the
 * thread's CPU clock the way nodeguardd measures its own cycles. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <stdlib.h>
#include <unistd.h>

static double cpu_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "/dev/shm";
    int cycles = argc > 2 ? atoi(argv[2]) : 15;
    char buf[8192], status[2048], tmp[512], path[512];
    struct statvfs sv;
    struct timespec second = {1, 0};
    double sum = 0;
    memset(status, 'x', sizeof status);
    snprintf(tmp, sizeof tmp, "%s/floor-status.json.tmp", dir);
    snprintf(path, sizeof path, "%s/floor-status.json", dir);
    for (int i = 0; i <= cycles; i++) {
        double c0 = cpu_us();
        int fd = open("/proc/meminfo", O_RDONLY); read(fd, buf, sizeof buf); close(fd);
        fd = open("/proc/pressure/memory", O_RDONLY); if (fd >= 0) { read(fd, buf, sizeof buf); close(fd); }
        statvfs("/", &sv);
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644); write(fd, status, sizeof status); close(fd);
        rename(tmp, path);
        if (i > 0) sum += cpu_us() - c0;   /* the first cycle is cold start-up */
        nanosleep(&second, NULL);
    }
    unlink(path);
    printf("c_floor_us_per_cycle=%.0f\n", sum / cycles);
    return 0;
}
