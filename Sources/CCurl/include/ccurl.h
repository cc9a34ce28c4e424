// One HTTP(S) request through Debian's libcurl, loaded with dlopen by the
// sender only: the daemon never links or loads it.
#ifndef CCURL_H
#define CCURL_H
#include <stddef.h>

typedef struct {
    int code;              // CURLcode: 0 when the exchange completed (any HTTP status)
    long status;           // HTTP status, 0 when none came
    char error[256];       // libcurl's words for a failure
    char retry_after[64];  // the Retry-After header, if any
    char *body;            // the reply (malloc'd, NUL-terminated, at most 16 KiB kept); free with ng_http_free
    size_t body_len;
} ng_http_result;

/// 0 when libcurl could be loaded; else non-zero and `why` says what is missing.
int ng_http_load(char *why, size_t why_len);

/// A request. `headers` is NULL-terminated. `ca_file`: trust only this CA
/// (PEM), not the system's. `method` "GET" or "POST".
void ng_http_request(const char *method, const char *url, const char *const *headers,
                     const char *body, size_t body_len, long timeout_ms, const char *ca_file,
                     ng_http_result *out);

/// A mail handed to the SMTP server at `url` ("smtp://127.0.0.1:25", no
/// TLS, no login: the MTA on this host). `rcpts` NULL-terminated; `message`
/// the RFC 5322 text with LF line ends (sent as CRLF, dot-stuffed by libcurl).
/// `status` is the server's last reply code (250, 450, 550...).
void ng_smtp_send(const char *url, const char *from, const char *const *rcpts,
                  const char *message, size_t message_len, long timeout_ms, ng_http_result *out);

void ng_http_free(ng_http_result *r);
#endif
