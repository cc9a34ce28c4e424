/* What waking up once a second costs on this machine: the same small piece
 * of work (a system call, or /proc/meminfo opened and read, or that plus
 * statvfs("/")) run N times at a given interval, each run measured with the
 * thread's CPU clock. Back to back it runs warm; after 100 ms or 1 s of
 * sleep the caches are cold, and the same work costs several times more.
 *
 * usage: cc -O2 -o /tmp/cold bench/cold.c
 *        /tmp/cold INTERVAL_NS RUNS WORK     WORK: 0 getppid, 1 meminfo, 2 meminfo + statvfs
 *   e.g. for ns in 0 1000000 100000000 1000000000; do /tmp/cold $ns 20 1; done */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

static double cpu_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: cold INTERVAL_NS RUNS WORK(0|1|2)\n"); return 2; }
    long ns = atol(argv[1]);
    int runs = atoi(argv[2]), work = atoi(argv[3]);
    char buf[8192];
    struct statvfs sv;
    struct timespec pause = {ns / 1000000000, ns % 1000000000};
    double sum = 0, least = 1e9;
    for (int i = 0; i <= runs; i++) {
        double c0 = cpu_us();
        if (work == 0) getppid();
        if (work >= 1) { int fd = open("/proc/meminfo", O_RDONLY); read(fd, buf, sizeof buf); close(fd); }
        if (work >= 2) statvfs("/", &sv);
        double us = cpu_us() - c0;
        if (i > 0) { sum += us; if (us < least) least = us; }   /* the first run is start-up */
        if (ns) nanosleep(&pause, NULL);
    }
    printf("interval_ns=%ld work=%d avg_us=%.1f min_us=%.1f\n", ns, work, sum / runs, least);
    return 0;
}
