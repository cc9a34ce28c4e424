/* The floor under nodeguardd's cycle on this machine: the system calls the
 * daemon makes for bench/footprint.sh's config (three nodes: a unit, a
 * pidfile process tree, a container; Docker logs, journal, bandwidth on), in
 * C and nothing else, at the same cadence. `BENCH_STRACE=10 bench/footprint.sh`
 * prints both processes' calls side by side. footprint.sh measures it from
 * /proc/PID/schedstat over the same window as the daemon and monit, so
 * c_floor_us_per_cycle and cpu_us_per_cycle are the same measure: what is
 * left between them is nodeguard's own code.
 *
 * usage: floor STATUS_DIR UNIT_MEMORY_STAT PIDFILE DOCKER_SOCKET CONTAINER CONTAINERS_DIR [RPC_PORT COOKIE [TEXTFILE_DIR]]
 *   (runs until killed)
 * Every second: wake from sigtimedwait; /proc/meminfo, /proc/pressure/memory
 * and the unit's memory.stat, kept open; the pidfile (open, read, close), the
 * tree's statm, children and task lists, kept open; the container's
 * memory.stat, kept open; statfs("/"); /proc/net/dev every tenth second
 * (BandwidthCheck.every); the status file (open,
 * write, close, rename); the metrics textfile the same way, when a directory
 * is given; the thread's CPU clock.
 * Every 30 s, as the daemon asks Docker about its container node: inspect
 * over the socket, then the container process's cgroup; and the unit node's
 * RPC call, as the chain check makes it (rpc_every 30 s).
 * Every 60 s, the Docker logs scan (scan_interval) and the interfaces that
 * count (the routes, each interface's ifindex and speed).
 * With FLOOR_PRODUCER="PORT_A:PIDFILE_A,PORT_B:PIDFILE_B" (a producer group of
 * two members, A producing): each member's tree as the pidfile node's, and
 * every second the producer check's calls: paused and get_info of both,
 * pause and paused again of B; every 30 s each member's get_info (its chain
 * check), every 60 s the schedule; every 12 s (a round of the bench's
 * two-producer schedule) the 14 get_block_info of our turn counted.
 * With FLOOR_LEASE=PORT as well (the group's lease in an etcd member on
 * loopback): a lease granted at the start, then every 4 s (lease_ttl 10 s
 * renewed once a third of it has passed, at a 1 s cadence) its keepalive
 * and a range of the switch key, as the holder makes them. */
#define _GNU_SOURCE
#define METRICS_BYTES 7000
#include <dirent.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAXKIDS 16
static char buf[32768];

static int openf(const char *path, int flags) { return open(path, flags | O_CLOEXEC); }

static int open_pid(const char *fmt, int pid, int flags) {
    char path[128];
    snprintf(path, sizeof path, fmt, pid, pid);
    return openf(path, flags);
}

static void listdir(int fd) { lseek(fd, 0, SEEK_SET); syscall(SYS_getdents64, fd, buf, sizeof buf); }

/* GET /containers/NAME/json over the engine's socket; the container's pid. */
static int inspect(const char *sock, const char *name) {
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    strncpy(a.sun_path, sock, sizeof a.sun_path - 1);
    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) < 0) { if (s >= 0) close(s); return 0; }
    char req[256];
    int n = snprintf(req, sizeof req, "GET /v1.41/containers/%s/json HTTP/1.1\r\nHost: docker\r\nUser-Agent: nodeguard\r\nConnection: close\r\n\r\n", name);
    send(s, req, n, MSG_NOSIGNAL);
    ssize_t got = 0, r;
    struct timespec tick = {0, 200000};
    for (int tries = 0; tries < 5000; tries++) {
        r = recv(s, buf + got, sizeof buf - 1 - got, 0);
        if (r > 0) { got += r; if (strstr(buf, "\r\n\r\n") && buf[got - 1] == '}') break; continue; }
        if (r == 0) break;
        nanosleep(&tick, NULL);
    }
    close(s);
    buf[got] = 0;
    char *p = strstr(buf, "\"Pid\":");
    return p ? atoi(p + 6) : 0;
}

/* The container's cgroup, as the daemon confirms it after an inspect:
 * the process's cgroup file, then the directory it names. */
static void container_cgroup(int pid, const char *dir) {
    access("/sys/fs/cgroup/cgroup.controllers", F_OK);
    access("/sys/fs/cgroup/memory/memory.stat", F_OK);
    int fd = open_pid("/proc/%d/cgroup", pid, O_RDONLY);
    if (fd >= 0) { pread(fd, buf, 8192, 0); close(fd); }
    struct stat st;
    stat(dir, &st);
}

/* scan_interval: each container's directory and its json-file log. */
static void scan_logs(const char *dir) {
    int fd = openf(dir, O_RDONLY | O_NOFOLLOW | O_DIRECTORY);
    if (fd < 0) return;
    char names[64][256], path[600];
    int count = 0;
    long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
    for (long off = 0; off < n && count < 64;) {
        struct dirent64 *d = (struct dirent64 *)(buf + off);
        if (d->d_name[0] != '.') snprintf(names[count++], sizeof names[0], "%s", d->d_name);
        off += d->d_reclen;
    }
    struct stat st;
    for (int i = 0; i < count; i++) {
        fstatat(fd, names[i], &st, AT_SYMLINK_NOFOLLOW);
        snprintf(path, sizeof path, "%s/%s-json.log", names[i], names[i]);
        fstatat(fd, path, &st, AT_SYMLINK_NOFOLLOW);
    }
    close(fd);
}

/* One HTTP exchange over loopback, as HTTPExchange makes it: a non-blocking
 * connect, the request, the reply read to its end (Content-Length). */
static void exchange(int port, const char *req, int n, int timeout_ms) {
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (s < 0) return;
    connect(s, (struct sockaddr *)&a, sizeof a);
    struct pollfd p = { .fd = s, .events = POLLOUT };
    int err = 0;
    socklen_t len = sizeof err;
    if (poll(&p, 1, timeout_ms) <= 0 || getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) { close(s); return; }
    send(s, req, n, MSG_NOSIGNAL);
    p.events = POLLIN;
    for (ssize_t got = 0, r; poll(&p, 1, timeout_ms) > 0 && (r = recv(s, buf + got, sizeof buf - 1 - got, 0)) > 0;) {
        got += r; buf[got] = 0;
        char *head = strstr(buf, "\r\n\r\n"), *cl = strcasestr(buf, "Content-Length:");
        if (head && cl && got >= head + 4 - buf + atol(cl + 15)) break;
        if (head && !cl && got >= 5 && !strcmp(buf + got - 5, "0\r\n\r\n")) break;   /* chunked: the last chunk */
    }
    close(s);
}

/* The chain check's call, every 30 s as rpc_every asks: the cookie's stat
 * (read again only when it changed), a non-blocking connect over loopback,
 * the same JSON-RPC batch as the daemon's, the reply read to its end. */
static char auth[192];
static struct stat cookie_seen;
static void rpc(int port, const char *cookie) {
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    static const char body[] = "[{\"jsonrpc\":\"1.0\",\"id\":\"a\",\"method\":\"getblockchaininfo\",\"params\":[]},"
                               "{\"jsonrpc\":\"1.0\",\"id\":\"b\",\"method\":\"getconnectioncount\",\"params\":[]}]";
    struct stat st;
    if (stat(cookie, &st) == 0 && (st.st_ino != cookie_seen.st_ino || st.st_mtime != cookie_seen.st_mtime || st.st_size != cookie_seen.st_size)) {
        unsigned char c[128];
        int fd = openf(cookie, O_RDONLY);
        ssize_t n = fd >= 0 ? read(fd, c, sizeof c) : 0;
        if (fd >= 0) close(fd);
        while (n > 0 && (c[n - 1] == '\n' || c[n - 1] == '\r')) n--;
        char *o = auth;
        for (ssize_t i = 0; i < n; i += 3) {
            unsigned v = c[i] << 16 | (i + 1 < n ? c[i + 1] << 8 : 0) | (i + 2 < n ? c[i + 2] : 0);
            *o++ = b64[v >> 18 & 63]; *o++ = b64[v >> 12 & 63];
            *o++ = i + 1 < n ? b64[v >> 6 & 63] : '='; *o++ = i + 2 < n ? b64[v & 63] : '=';
        }
        *o = 0;
        cookie_seen = st;
    }
    char req[1024];
    int n = snprintf(req, sizeof req, "POST / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: nodeguard/0\r\nConnection: close\r\n"
                     "Accept: application/json\r\nAuthorization: Basic %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                     port, auth, sizeof body - 1, body);
    exchange(port, req, n, 250);
}

/* One POST of `body`, as the producer check makes it. */
static void post_body(int port, const char *path, const char *body) {
    char req[512];
    int n = snprintf(req, sizeof req, "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: nodeguard/0\r\nConnection: close\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s", path, port, strlen(body), body);
    exchange(port, req, n, 2000);
}

static void post(int port, const char *path) { post_body(port, path, "{}"); }

/* A producer member: its port, pidfile, and its tree's files kept open
 * (statm, the task list, each thread's children), as the daemon reads them. */
struct member { int port; const char *pidfile; int statm, task, threads, children[MAXKIDS]; };

static int member_open(struct member *m, char *spec) {
    char *colon = strchr(spec, ':');
    if (!colon) return 0;
    *colon = 0; m->port = atoi(spec); m->pidfile = colon + 1;
    int fd = openf(m->pidfile, O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, buf, 64) : -1;
    if (fd >= 0) close(fd);
    if (n <= 0) return 0;
    buf[n] = 0;
    int pid = atoi(buf);
    m->statm = open_pid("/proc/%d/statm", pid, O_RDONLY);
    m->task = open_pid("/proc/%d/task", pid, O_RDONLY | O_DIRECTORY);
    DIR *d = fdopendir(dup(m->task));
    m->threads = 0;
    for (struct dirent *e; d && (e = readdir(d)) && m->threads < MAXKIDS;) {
        if (e->d_name[0] == '.') continue;
        char path[300];
        snprintf(path, sizeof path, "/proc/%d/task/%s/children", pid, e->d_name);
        m->children[m->threads++] = openf(path, O_RDONLY);
    }
    if (d) closedir(d);
    return 1;
}

static void member_tree(struct member *m) {
    int fd = openf(m->pidfile, O_RDONLY);
    if (fd >= 0) { pread(fd, buf, 64, 0); close(fd); }
    pread(m->statm, buf, 8192, 0);
    listdir(m->task);
    for (int i = 0; i < m->threads; i++) pread(m->children[i], buf, 8192, 0);
}

/* Which interfaces count: the routes, then each one's ifindex and speed. */
static void interfaces(void) {
    const char *files[] = {"/proc/net/route", "/proc/net/ipv6_route", "/sys/class/net/eth0/ifindex", "/sys/class/net/eth0/speed"};
    for (int i = 0; i < 4; i++) {
        int fd = openf(files[i], O_RDONLY);
        if (fd >= 0) { pread(fd, buf, 8192, 0); close(fd); }
    }
}

int main(int argc, char **argv) {
    if (argc < 7) { fprintf(stderr, "usage: floor STATUS_DIR UNIT_MEMORY_STAT PIDFILE DOCKER_SOCKET CONTAINER CONTAINERS_DIR [RPC_PORT COOKIE [TEXTFILE_DIR]]\n"); return 2; }
    const char *pidfile = argv[3], *sock = argv[4], *container = argv[5], *logs = argv[6];
    int rpc_port = argc > 8 ? atoi(argv[7]) : 0;
    const char *cookie = argc > 8 ? argv[8] : NULL;
    char status[4600], tmp[512], path[512];
    memset(status, 'x', sizeof status);
    snprintf(tmp, sizeof tmp, "%s/floor-status.json.tmp", argv[1]);
    snprintf(path, sizeof path, "%s/floor-status.json", argv[1]);
    /* The daemon's textfile for the bench's config is about this size. */
    char metrics[METRICS_BYTES], mtmp[512] = "", mpath[512] = "";
    memset(metrics, 'x', sizeof metrics);
    if (argc > 9) {
        snprintf(mtmp, sizeof mtmp, "%s/floor.prom.tmp", argv[9]);
        snprintf(mpath, sizeof mpath, "%s/floor.prom", argv[9]);
    }

    int fd = openf(pidfile, O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, buf, 64) : -1;
    if (fd >= 0) close(fd);
    if (n <= 0) { fprintf(stderr, "floor: cannot read %s\n", pidfile); return 1; }
    buf[n] = 0;
    int pid = atoi(buf);
    int meminfo = openf("/proc/meminfo", O_RDONLY), pressure = openf("/proc/pressure/memory", O_RDONLY);
    int unit = openf(argv[2], O_RDONLY), netdev = openf("/proc/net/dev", O_RDONLY);
    int statm = open_pid("/proc/%d/statm", pid, O_RDONLY), children = open_pid("/proc/%d/task/%d/children", pid, O_RDONLY);
    int task = open_pid("/proc/%d/task", pid, O_RDONLY | O_DIRECTORY);
    /* The tree's children, as the daemon finds them. */
    int kids = 0, kid_task[MAXKIDS], kid_children[MAXKIDS], kid_statm[MAXKIDS];
    n = pread(children, buf, sizeof buf - 1, 0);
    buf[n > 0 ? n : 0] = 0;
    for (char *p = buf, *end; kids < MAXKIDS && (int)strtol(p, &end, 10) > 0; p = end) {
        int k = (int)strtol(p, &end, 10);
        kid_task[kids] = open_pid("/proc/%d/task", k, O_RDONLY | O_DIRECTORY);
        kid_children[kids] = open_pid("/proc/%d/task/%d/children", k, O_RDONLY);
        kid_statm[kids++] = open_pid("/proc/%d/statm", k, O_RDONLY);
    }
    int cpid = inspect(sock, container);
    char cg[256] = "/sys/fs/cgroup";
    int cgroup = -1;
    if (cpid > 0) {
        int f = open_pid("/proc/%d/cgroup", cpid, O_RDONLY);
        n = f >= 0 ? read(f, buf, sizeof buf - 1) : 0;
        if (f >= 0) close(f);
        buf[n > 0 ? n : 0] = 0;
        char *m = strstr(buf, ":memory:");   /* cgroup v1; v2 has one line, "0::PATH" */
        if (m) { m += 8; *strchrnul(m, '\n') = 0; snprintf(cg, sizeof cg, "/sys/fs/cgroup/memory%s/memory.stat", m); }
        else if ((m = strstr(buf, "0::"))) { m += 3; *strchrnul(m, '\n') = 0; snprintf(cg, sizeof cg, "/sys/fs/cgroup%s/memory.stat", m); }
        if (m) { cgroup = openf(cg, O_RDONLY); *strrchr(cg, '/') = 0; }   /* cg: the directory from here on */
    }

    struct member members[2];
    int producer = 0;
    char *spec = getenv("FLOOR_PRODUCER");
    if (spec && *spec) {
        char *b = strchr(spec, ',');
        if (b) { *b++ = 0; producer = member_open(&members[0], spec) && member_open(&members[1], b); }
        if (!producer) { fprintf(stderr, "floor: FLOOR_PRODUCER is PORT:PIDFILE,PORT:PIDFILE of running members\n"); return 1; }
    }

    int lease_port = getenv("FLOOR_LEASE") ? atoi(getenv("FLOOR_LEASE")) : 0;
    char keepalive[96] = "";
    if (lease_port) {
        post_body(lease_port, "/v3/lease/grant", "{\"TTL\":10}");
        char *id = strstr(buf, "\"ID\":\"");
        if (!id) { fprintf(stderr, "floor: etcd on port %d granted no lease\n", lease_port); return 1; }
        snprintf(keepalive, sizeof keepalive, "{\"ID\":\"%.*s\"}", (int)strcspn(id + 6, "\""), id + 6);
    }

    sigset_t waited;
    sigemptyset(&waited);
    sigaddset(&waited, SIGHUP);
    sigprocmask(SIG_BLOCK, &waited, NULL);
    struct timespec second = {1, 0}, cpu;
    struct statfs fs;
    for (long cycle = 0;; cycle++) {
        sigtimedwait(&waited, NULL, &second);
        pread(meminfo, buf, 8192, 0);
        if (pressure >= 0) pread(pressure, buf, 8192, 0);
        pread(unit, buf, 8192, 0);
        fd = openf(pidfile, O_RDONLY);
        if (fd >= 0) { pread(fd, buf, 64, 0); close(fd); }
        pread(statm, buf, 8192, 0);
        pread(children, buf, 8192, 0);
        listdir(task);
        for (int i = 0; i < kids; i++) { listdir(kid_task[i]); pread(kid_children[i], buf, 8192, 0); }
        for (int i = 0; i < kids; i++) pread(kid_statm[i], buf, 8192, 0);
        if (rpc_port && cycle % 30 == 0) rpc(rpc_port, cookie);
        if (producer) {
            for (int i = 0; i < 2; i++) member_tree(&members[i]);
            if (cycle % 60 == 0) post(members[0].port, "/v1/chain/get_producer_schedule");
            for (int i = 0; i < 2; i++) { post(members[i].port, "/v1/producer/paused"); post(members[i].port, "/v1/chain/get_info"); }
            post(members[1].port, "/v1/producer/pause");
            post(members[1].port, "/v1/producer/paused");
            if (cycle % 30 == 0) for (int i = 0; i < 2; i++) post(members[i].port, "/v1/chain/get_info");
            /* Our turn counted once a round (24 slots, 12 s): a block each slot from its start to the head. */
            if (cycle % 12 == 0) for (int k = 0; k < 14; k++) post_body(members[0].port, "/v1/chain/get_block_info", "{\"block_num\":1}");
        }
        if (lease_port && cycle % 4 == 0) {
            post_body(lease_port, "/v3/lease/keepalive", keepalive);
            post_body(lease_port, "/v3/kv/range", "{\"key\":\"L25vZGVndWFyZC9wcm9kdWNlci9iZW5jaGJwL3N3aXRjaA==\"}");   /* /nodeguard/producer/benchbp/switch */
        }
        if (cycle % 30 == 29 && inspect(sock, container) > 0) container_cgroup(cpid, cg);
        if (cgroup >= 0) pread(cgroup, buf, 8192, 0);
        statfs("/", &fs);
        if (cycle % 60 == 59) { scan_logs(logs); interfaces(); }
        if (cycle % 10 == 0) pread(netdev, buf, 8192, 0);   /* bandwidth reads its counters every 10 s */
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd >= 0) { write(fd, status, sizeof status); close(fd); rename(tmp, path); }
        if (*mpath && (fd = open(mtmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) >= 0) {
            write(fd, metrics, sizeof metrics); close(fd); rename(mtmp, mpath);
        }
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
    }
}
