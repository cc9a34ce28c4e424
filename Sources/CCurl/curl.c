// libcurl through dlopen: its ABI (curl_easy_* and the CURLOPT numbers) has
// been stable since 7.x, so only what is used is declared here.
#include "ccurl.h"
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>

typedef void CURL;
struct curl_slist;
enum {
    OPT_WRITEDATA = 10001, OPT_URL = 10002, OPT_ERRORBUFFER = 10010, OPT_POSTFIELDS = 10015,
    OPT_USERAGENT = 10018, OPT_HTTPHEADER = 10023, OPT_HEADERDATA = 10029, OPT_CUSTOMREQUEST = 10036,
    OPT_CAINFO = 10065, OPT_CAPATH = 10097, OPT_PROTOCOLS_STR = 10318,
    OPT_POSTFIELDSIZE = 60, OPT_POST = 47, OPT_HTTPGET = 80, OPT_NOSIGNAL = 99,
    OPT_TIMEOUT_MS = 155, OPT_CONNECTTIMEOUT_MS = 156,
    OPT_WRITEFUNCTION = 20011, OPT_HEADERFUNCTION = 20079,
    OPT_MAIL_FROM = 10186, OPT_MAIL_RCPT = 10187, OPT_READDATA = 10009, OPT_READFUNCTION = 20012,
    OPT_UPLOAD = 46, OPT_CRLF = 27,
    INFO_RESPONSE_CODE = 0x200000 + 2,
};

static struct {
    int loaded;
    int (*global_init)(long);
    CURL *(*init)(void);
    int (*setopt)(CURL *, int, ...);
    int (*perform)(CURL *);
    int (*getinfo)(CURL *, int, ...);
    void (*cleanup)(CURL *);
    const char *(*strerror)(int);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
} lib;

int ng_http_load(char *why, size_t why_len) {
    if (lib.loaded) return 0;
    const char *names[] = {"libcurl.so.4", "libcurl-gnutls.so.4", NULL};
    void *h = NULL;
    for (int i = 0; names[i] && !h; i++) h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!h) { snprintf(why, why_len, "libcurl is not installed (apt install libcurl4)"); return 1; }
#define SYM(field, name) if (!(*(void **)&lib.field = dlsym(h, name))) { snprintf(why, why_len, "libcurl lacks %s", name); return 1; }
    SYM(global_init, "curl_global_init") SYM(init, "curl_easy_init") SYM(setopt, "curl_easy_setopt")
    SYM(perform, "curl_easy_perform") SYM(getinfo, "curl_easy_getinfo") SYM(cleanup, "curl_easy_cleanup")
    SYM(strerror, "curl_easy_strerror") SYM(slist_append, "curl_slist_append") SYM(slist_free_all, "curl_slist_free_all")
#undef SYM
    if (lib.global_init(3) != 0) { snprintf(why, why_len, "curl_global_init failed"); return 1; }
    lib.loaded = 1;
    return 0;
}

enum { BODY_KEEP = 16 * 1024 };

static size_t on_body(char *p, size_t size, size_t n, void *data) {
    ng_http_result *r = data;
    size_t len = size * n, room = BODY_KEEP - r->body_len;
    size_t take = len < room ? len : room;
    if (take > 0) {
        char *grown = realloc(r->body, r->body_len + take + 1);
        if (!grown) return 0;
        r->body = grown;
        memcpy(r->body + r->body_len, p, take);
        r->body_len += take;
        r->body[r->body_len] = 0;
    }
    return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *data) {
    ng_http_result *r = data;
    size_t len = size * n;
    const char name[] = "retry-after:";
    if (len > sizeof name - 1 && strncasecmp(p, name, sizeof name - 1) == 0) {
        size_t i = sizeof name - 1, o = 0;
        while (i < len && (p[i] == ' ' || p[i] == '\t')) i++;
        while (i < len && p[i] != '\r' && p[i] != '\n' && o + 1 < sizeof r->retry_after) r->retry_after[o++] = p[i++];
        r->retry_after[o] = 0;
    }
    return len;
}

void ng_http_request(const char *method, const char *url, const char *const *headers,
                     const char *body, size_t body_len, long timeout_ms, const char *ca_file,
                     ng_http_result *out) {
    memset(out, 0, sizeof *out);
    CURL *c = lib.init();
    if (!c) { out->code = -1; snprintf(out->error, sizeof out->error, "curl_easy_init failed"); return; }
    struct curl_slist *list = NULL;
    for (int i = 0; headers && headers[i]; i++) list = lib.slist_append(list, headers[i]);
    lib.setopt(c, OPT_URL, url);
    lib.setopt(c, OPT_PROTOCOLS_STR, "https,http");
    lib.setopt(c, OPT_NOSIGNAL, 1L);
    lib.setopt(c, OPT_TIMEOUT_MS, timeout_ms);
    lib.setopt(c, OPT_CONNECTTIMEOUT_MS, timeout_ms);
    lib.setopt(c, OPT_USERAGENT, "nodeguard");
    lib.setopt(c, OPT_ERRORBUFFER, out->error);
    lib.setopt(c, OPT_HTTPHEADER, list);
    lib.setopt(c, OPT_WRITEFUNCTION, on_body);
    lib.setopt(c, OPT_WRITEDATA, out);
    lib.setopt(c, OPT_HEADERFUNCTION, on_header);
    lib.setopt(c, OPT_HEADERDATA, out);
    if (ca_file && *ca_file) {
        lib.setopt(c, OPT_CAINFO, ca_file);
        lib.setopt(c, OPT_CAPATH, (char *)NULL);
    }
    if (strcmp(method, "POST") == 0) {
        lib.setopt(c, OPT_POST, 1L);
        lib.setopt(c, OPT_POSTFIELDSIZE, (long)body_len);
        lib.setopt(c, OPT_POSTFIELDS, body ? body : "");
    } else {
        lib.setopt(c, OPT_HTTPGET, 1L);
    }
    out->code = lib.perform(c);
    if (out->code != 0 && out->error[0] == 0) snprintf(out->error, sizeof out->error, "%s", lib.strerror(out->code));
    lib.getinfo(c, INFO_RESPONSE_CODE, &out->status);
    lib.slist_free_all(list);
    lib.cleanup(c);
}

void ng_http_free(ng_http_result *r) { free(r->body); r->body = NULL; r->body_len = 0; }

typedef struct { const char *p; size_t left; } upload;

static size_t on_read(char *buf, size_t size, size_t n, void *data) {
    upload *u = data;
    size_t take = size * n < u->left ? size * n : u->left;
    memcpy(buf, u->p, take);
    u->p += take;
    u->left -= take;
    return take;
}

void ng_smtp_send(const char *url, const char *from, const char *const *rcpts,
                  const char *message, size_t message_len, long timeout_ms, ng_http_result *out) {
    memset(out, 0, sizeof *out);
    CURL *c = lib.init();
    if (!c) { out->code = -1; snprintf(out->error, sizeof out->error, "curl_easy_init failed"); return; }
    struct curl_slist *list = NULL;
    for (int i = 0; rcpts && rcpts[i]; i++) list = lib.slist_append(list, rcpts[i]);
    upload u = { message, message_len };
    lib.setopt(c, OPT_URL, url);
    lib.setopt(c, OPT_PROTOCOLS_STR, "smtp");
    lib.setopt(c, OPT_NOSIGNAL, 1L);
    lib.setopt(c, OPT_TIMEOUT_MS, timeout_ms);
    lib.setopt(c, OPT_CONNECTTIMEOUT_MS, timeout_ms);
    lib.setopt(c, OPT_ERRORBUFFER, out->error);
    lib.setopt(c, OPT_MAIL_FROM, from);
    lib.setopt(c, OPT_MAIL_RCPT, list);
    lib.setopt(c, OPT_UPLOAD, 1L);
    lib.setopt(c, OPT_CRLF, 1L);
    lib.setopt(c, OPT_READFUNCTION, on_read);
    lib.setopt(c, OPT_READDATA, &u);
    out->code = lib.perform(c);
    if (out->code != 0 && out->error[0] == 0) snprintf(out->error, sizeof out->error, "%s", lib.strerror(out->code));
    lib.getinfo(c, INFO_RESPONSE_CODE, &out->status);
    lib.slist_free_all(list);
    lib.cleanup(c);
}
