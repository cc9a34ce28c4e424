/* A "leaky node" for the system tests: allocates and touches MIB_PER_STEP
 * MiB of anonymous memory every STEP_MS milliseconds and never frees it,
 * up to LIMIT_MIB. Page cache is not involved: this is what a leak looks like. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv) {
    long step_mib = argc > 1 ? atol(argv[1]) : 4;
    long step_ms = argc > 2 ? atol(argv[2]) : 250;
    long limit_mib = argc > 3 ? atol(argv[3]) : 512;
    long total = 0;
    struct timespec ts = { step_ms / 1000, (step_ms % 1000) * 1000000L };
    for (;;) {
        if (total < limit_mib) {
            char *p = malloc(step_mib << 20);
            if (p) { memset(p, 0x5a, step_mib << 20); total += step_mib; }
            printf("leaked %ld MiB\n", total);
            fflush(stdout);
        }
        nanosleep(&ts, NULL);
    }
}
