#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include "cnodeguard.h"

int ng_collapse_head(int fd, long long length) {
    return fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 0, (off_t)length) == 0 ? 0 : errno;
}
