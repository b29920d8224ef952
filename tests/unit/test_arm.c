/*
 * Unit tests of lib/arm.c and lib/arm_config.c: the client against a tiny
 * canned HTTP server forked by the test (one answer per connection, in
 * order), so that every answer shape can be produced exactly: error
 * bodies, huge and truncated bodies, 401 then retry, operations in both
 * styles, paged lists, URLs that must not receive the token. The mock
 * Azure (tests/arm/run) covers the same client end to end.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "geoha/arm.h"
#include "geoha/file.h"
#include "geoha/ocf.h"

#include "../../lib/arm_int.h"

#define MAX_ANSWERS 16
#define TOKEN "secret-token-value-123"

struct answer {
    char head[1024]; /* status line + headers, without the blank line */
    const char *body;
    size_t fill; /* body of this many spaces inside a JSON string */
    bool no_length;
};

static char dir[64];
static char token_path[128];
static char log_path[128];
static char base[64];
static int port;
static int lfd = -1;
static pid_t server = -1;
static struct answer answers[MAX_ANSWERS];
static size_t n_answers;

static void add(const char *body, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
add(const char *body, const char *fmt, ...)
{
    va_list ap;
    struct answer *a;

    assert_true(n_answers < MAX_ANSWERS);
    a = &answers[n_answers++];
    memset(a, 0, sizeof(*a));
    va_start(ap, fmt);
    vsnprintf(a->head, sizeof(a->head), fmt, ap);
    va_end(ap);
    a->body = body;
}

static void
write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);

        if (w <= 0) {
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

/* Child: answer each connection with the next canned answer; log the
 * request line and whether the token came along. */
static void
serve_child(void)
{
    int logfd = open(log_path, O_WRONLY | O_APPEND | O_CREAT, 0600);

    signal(SIGPIPE, SIG_IGN); /* the client may hang up first */

    for (size_t i = 0; i < n_answers; i++) {
        char req[65536];
        size_t got = 0;
        int cfd = accept(lfd, NULL, NULL);
        const struct answer *a = &answers[i];
        char line[1200];
        char *eol;

        if (cfd < 0) {
            _exit(1);
        }
        /* read until the end of the headers (+ a small body) */
        while (got < sizeof(req) - 1) {
            ssize_t r = read(cfd, req + got, sizeof(req) - 1 - got);

            if (r <= 0) {
                break;
            }
            got += (size_t)r;
            req[got] = '\0';
            if (strstr(req, "\r\n\r\n") != NULL) {
                char *cl = strcasestr(req, "Content-Length:");
                char *end = strstr(req, "\r\n\r\n") + 4;
                long need = cl != NULL ? strtol(cl + 15, NULL, 10) : 0;

                if ((long)(got - (size_t)(end - req)) >= need) {
                    break;
                }
            }
        }
        req[got] = '\0';
        eol = strstr(req, "\r\n");
        if (eol != NULL) {
            *eol = '\0';
        }
        snprintf(
            line, sizeof(line), "%.1000s auth=%s metadata=%s rid=%s\n", req,
            eol != NULL && strstr(eol + 2, "Authorization: Bearer " TOKEN)
                ? "yes"
                : "no",
            eol != NULL && strstr(eol + 2, "Metadata: true") ? "yes" : "no",
            eol != NULL && strstr(eol + 2, "x-ms-client-request-id: ") ? "yes"
                                                                       : "no");
        write_all(logfd, line, strlen(line));
        write_all(cfd, a->head, strlen(a->head));
        if (a->fill > 0) {
            char hdr[128];
            char *buf = malloc(a->fill + 16);

            snprintf(hdr, sizeof(hdr),
                     "\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                     a->fill + 8);
            write_all(cfd, hdr, strlen(hdr));
            memcpy(buf, "{\"a\":\"", 6);
            memset(buf + 6, ' ', a->fill);
            memcpy(buf + 6 + a->fill, "\"}", 2);
            write_all(cfd, buf, a->fill + 8);
            free(buf);
        } else if (a->no_length) {
            write_all(cfd, "\r\nConnection: close\r\n\r\n", 23);
            write_all(cfd, a->body, strlen(a->body));
        } else {
            char hdr[128];
            size_t blen = a->body != NULL ? strlen(a->body) : 0;

            snprintf(hdr, sizeof(hdr),
                     "\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                     blen);
            write_all(cfd, hdr, strlen(hdr));
            if (blen > 0) {
                write_all(cfd, a->body, blen);
            }
        }
        shutdown(cfd, SHUT_WR);
        {
            char sink[256];

            while (read(cfd, sink, sizeof(sink)) > 0) {
            }
        }
        close(cfd);
    }
    _exit(0);
}

static void
start_server(void)
{
    server = fork();
    assert_true(server >= 0);
    if (server == 0) {
        serve_child();
    }
}

static int
stop_server(void)
{
    int st = 0;

    if (server > 0) {
        kill(server, SIGTERM);
        waitpid(server, &st, 0);
        server = -1;
    }
    n_answers = 0;
    return st;
}

/* Requests the server saw, and how many contain needle. */
static int
log_count(const char *needle)
{
    char *text = NULL;
    int n = 0;

    if (geoha_file_read(log_path, 1 << 20, &text, NULL) != 0) {
        return 0;
    }
    for (char *p = text; (p = strstr(p, needle)) != NULL; p++) {
        n++;
    }
    free(text);
    return n;
}

static int
setup(void **state)
{
    struct sockaddr_in sa = { 0 };
    socklen_t len = sizeof(sa);
    (void)state;

    geoha_strlcpy(dir, "/tmp/geoha-test-arm-XXXXXX", sizeof(dir));
    if (mkdtemp(dir) == NULL) {
        return -1;
    }
    geoha_snprintf(token_path, sizeof(token_path), "%s/token", dir);
    geoha_snprintf(log_path, sizeof(log_path), "%s/log", dir);
    if (geoha_file_replace(token_path, TOKEN "\n", strlen(TOKEN) + 1, (uid_t)-1,
                           (gid_t)-1, 0600)
        != 0) {
        return -1;
    }
    lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0
        || listen(lfd, 16) != 0
        || getsockname(lfd, (struct sockaddr *)&sa, &len) != 0) {
        return -1;
    }
    port = ntohs(sa.sin_port);
    geoha_snprintf(base, sizeof(base), "http://127.0.0.1:%d", port);
    return 0;
}

static int
teardown(void **state)
{
    char p[160];
    (void)state;

    stop_server();
    close(lfd);
    unlink(token_path);
    unlink(log_path);
    geoha_snprintf(p, sizeof(p), "%s/secret", dir);
    unlink(p);
    rmdir(dir);
    return 0;
}

static int
each_setup(void **state)
{
    (void)state;
    unlink(log_path);
    n_answers = 0;
    return 0;
}

static int
each_teardown(void **state)
{
    (void)state;
    stop_server();
    return 0;
}

static struct geoha_arm_client *
client(void)
{
    struct geoha_arm_config cfg;
    struct geoha_arm_client *c = NULL;
    char err[256];

    geoha_arm_config_init(&cfg);
    cfg.auth = GEOHA_ARM_AUTH_TOKEN_FILE;
    cfg.token_file = token_path;
    cfg.arm_endpoint = base;
    cfg.poll_ms = 20;
    cfg.cache_dir = "";
    assert_int_equal(geoha_arm_client_new(&cfg, err, sizeof(err), &c), 0);
    return c;
}

#define JSON_HEAD "HTTP/1.1 %d X\r\nContent-Type: application/json"

/* ---- configuration ---- */

static void
geoha_arm_config_check__auth_needs(void **state)
{
    struct geoha_arm_config cfg;
    char err[256];
    (void)state;

    geoha_arm_config_init(&cfg);
    assert_int_equal(geoha_arm_config_check(&cfg, true, err, sizeof(err)), 0);
    assert_int_equal(geoha_arm_config_set(&cfg, "auth", "secret"), 0);
    assert_int_equal(geoha_arm_config_check(&cfg, true, err, sizeof(err)),
                     GEOHA_E_CONFIG);
    assert_non_null(strstr(err, "tenant"));
    assert_int_equal(geoha_arm_config_set(&cfg, "tenant", "t-1"), 0);
    assert_int_equal(geoha_arm_config_set(&cfg, "client_id", "c-1"), 0);
    assert_int_equal(geoha_arm_config_set(&cfg, "secret_file", "rel"), 0);
    assert_int_equal(geoha_arm_config_check(&cfg, false, err, sizeof(err)),
                     GEOHA_E_CONFIG);
    assert_int_equal(geoha_arm_config_set(&cfg, "secret_file", "/nonexist"), 0);
    assert_int_equal(geoha_arm_config_check(&cfg, false, err, sizeof(err)), 0);
    assert_int_equal(geoha_arm_config_check(&cfg, true, err, sizeof(err)),
                     -ENOENT);
    assert_int_equal(geoha_arm_config_set(&cfg, "tenant", "t/../x"), 0);
    assert_int_equal(geoha_arm_config_check(&cfg, false, err, sizeof(err)),
                     GEOHA_E_CONFIG);
    assert_int_equal(geoha_arm_config_set(&cfg, "auth", "token-file"), 0);
    assert_int_equal(geoha_arm_config_check(&cfg, false, err, sizeof(err)),
                     GEOHA_E_CONFIG);
    assert_non_null(strstr(err, "token_file"));
    assert_int_equal(geoha_arm_config_set(&cfg, "auth", "bogus"),
                     GEOHA_E_CONFIG);
    assert_int_equal(geoha_arm_config_set(&cfg, "unknown_key", "x"), -ENOENT);
    assert_int_equal(geoha_arm_config_set(&cfg, "auth", ""), 0);
    assert_int_equal(cfg.auth, GEOHA_ARM_AUTH_MSI);
}

/* issue 17 item 7: no endpoint may carry credentials, and the refusal
 * never echoes them (the message becomes an exit reason, in the CIB). */
static void
geoha_arm_config_check__refuses_userinfo(void **state)
{
    static const char *const urls[] = {
        "https://admin:Pw0rd-17@management.example.com",
        "https://Pw0rd-17@management.example.com/",
        "https://:Pw0rd-17@management.example.com:443/x",
        "http://admin:Pw0rd-17@127.0.0.1:8443",
        "http://admin:Pw0rd-17@169.254.169.254",
        "https://admin;AUTH=Pw0rd-17@management.example.com",
    };
    static const char *const names[] = { "arm_endpoint", "login_endpoint",
                                         "imds_endpoint" };
    struct geoha_arm_config cfg;
    struct geoha_arm_client *c = NULL;
    char err[512];
    (void)state;

    for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
        for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
            geoha_arm_config_init(&cfg);
            /* auth=msi: login_endpoint is not used, and still refused */
            assert_int_equal(geoha_arm_config_set(&cfg, names[n], urls[i]), 0);
            err[0] = '\0';
            assert_int_not_equal(
                geoha_arm_config_check(&cfg, false, err, sizeof(err)), 0);
            assert_non_null(strstr(err, names[n]));
            assert_null(strstr(err, "Pw0rd"));
            assert_null(strstr(err, "admin"));
            err[0] = '\0';
            assert_int_not_equal(
                geoha_arm_client_new(&cfg, err, sizeof(err), &c), 0);
            assert_null(c);
            assert_null(strstr(err, "Pw0rd"));
        }
    }
    /* an '@' later in the URL is not user info */
    geoha_arm_config_init(&cfg);
    cfg.arm_endpoint = "https://management.example.com/a@b";
    assert_int_equal(geoha_arm_config_check(&cfg, false, err, sizeof(err)), 0);
}

static void
geoha_arm_config_check__insecure_files_and_urls(void **state)
{
    struct geoha_arm_config cfg;
    char err[256], secret[160];
    (void)state;

    geoha_snprintf(secret, sizeof(secret), "%s/secret", dir);
    assert_int_equal(
        geoha_file_replace(secret, "s3cr3t", 6, (uid_t)-1, (gid_t)-1, 0644), 0);
    geoha_arm_config_init(&cfg);
    cfg.auth = GEOHA_ARM_AUTH_SECRET;
    cfg.tenant = "t";
    cfg.client_id = "c";
    cfg.secret_file = secret;
    assert_int_equal(geoha_arm_config_check(&cfg, true, err, sizeof(err)),
                     GEOHA_E_INSECURE);
    assert_non_null(strstr(err, "read by others"));
    assert_null(strstr(err, "s3cr3t"));
    assert_int_equal(chmod(secret, 0600), 0);
    assert_int_equal(geoha_arm_config_check(&cfg, true, err, sizeof(err)), 0);
    cfg.login_endpoint = "http://login.example.com";
    assert_int_equal(geoha_arm_config_check(&cfg, true, err, sizeof(err)),
                     GEOHA_E_INSECURE);
    assert_non_null(strstr(err, "login_endpoint"));
    cfg.login_endpoint = NULL;
    cfg.arm_endpoint = "http://10.0.0.1";
    assert_int_equal(geoha_arm_config_check(&cfg, true, err, sizeof(err)),
                     GEOHA_E_INSECURE);
    cfg.arm_endpoint = "gopher://x";
    assert_int_equal(geoha_arm_config_check(&cfg, true, err, sizeof(err)),
                     GEOHA_E_CONFIG);
    cfg.arm_endpoint = "http://127.0.0.1:1";
    cfg.ca_file = "/nonexistent/ca.pem";
    assert_int_equal(geoha_arm_config_check(&cfg, true, err, sizeof(err)),
                     -ENOENT);
    cfg.ca_file = NULL;
    cfg.auth = GEOHA_ARM_AUTH_MSI;
    cfg.imds_endpoint = "http://10.1.1.1";
    assert_int_equal(geoha_arm_config_check(&cfg, true, NULL, 0),
                     GEOHA_E_INSECURE);
    cfg.imds_endpoint = "http://169.254.169.254";
    cfg.client_id = "a b";
    assert_int_equal(geoha_arm_config_check(&cfg, true, err, sizeof(err)),
                     GEOHA_E_CONFIG);
}

static void
geoha_arm_client_new__refuses_bad_config(void **state)
{
    struct geoha_arm_config cfg;
    struct geoha_arm_client *c = (void *)0x1;
    char err[256];
    (void)state;

    geoha_arm_config_init(&cfg);
    cfg.arm_endpoint = "http://management.azure.com";
    assert_int_equal(geoha_arm_client_new(&cfg, err, sizeof(err), &c),
                     GEOHA_E_INSECURE);
    assert_ptr_equal(c, (void *)0x1);
    assert_int_equal(geoha_arm_client_new(NULL, err, sizeof(err), &c), -EINVAL);
    geoha_arm_client_free(NULL);
}

/* ---- requests ---- */

static void
geoha_arm_get__ok_and_headers(void **state)
{
    struct geoha_arm_client *c;
    struct geoha_deadline d;
    json_t *j = NULL;
    (void)state;

    add("{\"properties\":{\"endpointStatus\":\"Enabled\"}}",
        JSON_HEAD "\r\nx-ms-request-id: rid-1", 200);
    start_server();
    c = client();
    geoha_deadline_init(&d, 5000);
    assert_int_equal(
        geoha_arm_get(c, "/subscriptions/s/x", "2022-04-01", &d, &j), 0);
    assert_string_equal(geoha_arm_json_str(j, "properties.endpointStatus"),
                        "Enabled");
    assert_string_equal(geoha_arm_last_error(c), "");
    assert_int_equal(geoha_arm_last_status(c), 200);
    json_decref(j);
    assert_int_equal(log_count("GET /subscriptions/s/x?api-version="
                               "2022-04-01 HTTP/1.1 auth=yes metadata=no "
                               "rid=yes"),
                     1);
    geoha_arm_client_free(c);
}

static void
geoha_arm_get__error_line(void **state)
{
    struct geoha_arm_client *c;
    struct geoha_deadline d;
    json_t *j = NULL;
    (void)state;

    add("{\"error\":{\"code\":\"ResourceNotFound\",\"message\":\"The "
        "Resource 'x' was not found.\"}}",
        JSON_HEAD "\r\nx-ms-request-id: rid-404", 404);
    add("{\"error\":{\"code\":\"AnotherOperationInProgress\",\"message\":"
        "\"busy\"}}",
        JSON_HEAD, 409);
    start_server();
    c = client();
    geoha_deadline_init(&d, 5000);
    assert_int_equal(geoha_arm_get(c, "/s/x", "1", &d, &j), GEOHA_E_NOT_FOUND);
    assert_null(j);
    assert_int_equal(geoha_arm_last_status(c), 404);
    assert_string_equal(geoha_arm_last_code(c), "ResourceNotFound");
    assert_string_equal(geoha_arm_last_request_id(c), "rid-404");
    assert_non_null(strstr(geoha_arm_last_error(c), "HTTP 404"));
    assert_non_null(strstr(geoha_arm_last_error(c), "ResourceNotFound"));
    assert_non_null(strstr(geoha_arm_last_error(c), "was not found"));
    assert_non_null(strstr(geoha_arm_last_error(c), "rid-404"));
    assert_null(strstr(geoha_arm_last_error(c), TOKEN));
    assert_int_equal(
        geoha_arm_call(c, GEOHA_ARM_PATCH, "/s/x", "1", NULL, &d, NULL),
        GEOHA_E_REMOTE);
    assert_string_equal(geoha_arm_last_code(c), "AnotherOperationInProgress");
    geoha_arm_client_free(c);
}

static void
geoha_arm_get__bad_bodies(void **state)
{
    struct geoha_arm_client *c;
    struct geoha_deadline d;
    json_t *j = NULL;
    struct answer *a;
    (void)state;

    add("<html>oops</html>", "HTTP/1.1 200 OK\r\nContent-Type: text/html");
    add("", JSON_HEAD, 200);
    add(NULL, JSON_HEAD, 200);
    a = &answers[n_answers - 1];
    a->fill = GEOHA_ARM_MAX_RESPONSE + 10;
    add("{\"a\":[1,2", JSON_HEAD, 200);
    answers[n_answers - 1].no_length = true;
    start_server();
    c = client();
    geoha_deadline_init(&d, 5000);
    assert_int_equal(geoha_arm_get(c, "/a", "1", &d, &j), GEOHA_E_PARSE);
    assert_int_equal(geoha_arm_get(c, "/b", "1", &d, &j), GEOHA_E_PROTOCOL);
    assert_int_equal(geoha_arm_get(c, "/c", "1", &d, &j), GEOHA_E_TOOBIG);
    assert_non_null(strstr(geoha_arm_last_error(c), "larger than"));
    /* truncated JSON (connection closed early) */
    assert_int_equal(geoha_arm_get(c, "/d", "1", &d, &j), GEOHA_E_PARSE);
    assert_null(j);
    geoha_arm_client_free(c);
}

static void
geoha_arm_get__refuses_bad_paths(void **state)
{
    struct geoha_arm_client *c = client();
    struct geoha_deadline d;
    json_t *j = NULL;
    (void)state;

    geoha_deadline_init(&d, 5000);
    assert_int_equal(geoha_arm_get(c, "no-slash", "1", &d, &j), -EINVAL);
    assert_int_equal(geoha_arm_get(c, "/a/../b", "1", &d, &j), -EINVAL);
    assert_int_equal(geoha_arm_get(c, "/a", "1&x=y", &d, &j), -EINVAL);
    assert_int_equal(geoha_arm_get(c, "/a b", "1", &d, &j), -EINVAL);
    assert_int_equal(log_count("HTTP/1.1"), 0);
    geoha_arm_client_free(c);
}

static void
geoha_arm_get__retries_then_succeeds(void **state)
{
    struct geoha_arm_client *c;
    struct geoha_deadline d;
    json_t *j = NULL;
    int64_t t0;
    (void)state;

    add("{}", JSON_HEAD "\r\nRetry-After: 1", 429);
    add("{}", JSON_HEAD, 503);
    add("{\"ok\":1}", JSON_HEAD, 200);
    start_server();
    c = client();
    geoha_deadline_init(&d, 10000);
    t0 = geoha_now_ms();
    assert_int_equal(geoha_arm_get(c, "/r", "1", &d, &j), 0);
    /* 1 s Retry-After, then 250..500 ms backoff */
    assert_true(geoha_now_ms() - t0 >= 1000 + GEOHA_ARM_BACKOFF_BASE_MS / 2);
    assert_true(geoha_now_ms() - t0 < 3000);
    assert_int_equal(log_count("GET /r?"), 3);
    json_decref(j);
    geoha_arm_client_free(c);
}

static void
geoha_arm_get__throttled_past_deadline(void **state)
{
    struct geoha_arm_client *c;
    struct geoha_deadline d;
    json_t *j = NULL;
    int64_t t0;
    (void)state;

    add("{\"error\":{\"code\":\"TooManyRequests\",\"message\":\"slow "
        "down\"}}",
        JSON_HEAD "\r\nRetry-After: 30", 429);
    start_server();
    c = client();
    geoha_deadline_init(&d, 5000);
    t0 = geoha_now_ms();
    assert_int_equal(geoha_arm_get(c, "/t", "1", &d, &j), GEOHA_E_THROTTLED);
    /* it did not sit out a wait it knew would cross the deadline */
    assert_true(geoha_now_ms() - t0 < 1000);
    assert_non_null(strstr(geoha_arm_last_error(c), "HTTP 429"));
    assert_non_null(strstr(geoha_arm_last_error(c), "deadline"));
    assert_int_equal(geoha_arm_last_status(c), 429);
    geoha_arm_client_free(c);
}

static void
geoha_arm_get__connection_refused_bounded(void **state)
{
    struct geoha_arm_config cfg;
    struct geoha_arm_client *c = NULL;
    struct geoha_deadline d;
    struct sockaddr_in sa = { 0 };
    socklen_t len = sizeof(sa);
    char url[64];
    json_t *j = NULL;
    int64_t t0, el;
    int s;
    (void)state;

    /* a port that was free a moment ago: nothing listens there */
    s = socket(AF_INET, SOCK_STREAM, 0);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &len), 0);
    close(s);
    geoha_snprintf(url, sizeof(url), "http://127.0.0.1:%d", ntohs(sa.sin_port));
    geoha_arm_config_init(&cfg);
    cfg.auth = GEOHA_ARM_AUTH_TOKEN_FILE;
    cfg.token_file = token_path;
    cfg.arm_endpoint = url;
    cfg.cache_dir = "";
    assert_int_equal(geoha_arm_client_new(&cfg, NULL, 0, &c), 0);
    geoha_deadline_init(&d, 2000);
    t0 = geoha_now_ms();
    assert_int_equal(geoha_arm_get(c, "/x", "1", &d, &j), GEOHA_E_DEADLINE);
    el = geoha_now_ms() - t0;
    assert_true(el <= 2000 + 100);
    assert_true(el >= 500); /* it did retry */
    assert_non_null(strstr(geoha_arm_last_error(c), "deadline"));
    /* no retries allowed: the connection error itself */
    geoha_arm_client_free(c);
    cfg.max_attempts = 1;
    assert_int_equal(geoha_arm_client_new(&cfg, NULL, 0, &c), 0);
    geoha_deadline_init(&d, 2000);
    assert_int_equal(geoha_arm_get(c, "/x", "1", &d, &j), -ECONNREFUSED);
    geoha_arm_client_free(c);
}

static void
geoha_arm_get__401_rereads_token_once(void **state)
{
    struct geoha_arm_client *c;
    struct geoha_deadline d;
    json_t *j = NULL;
    (void)state;

    add("{\"error\":{\"code\":\"ExpiredAuthenticationToken\",\"message\":"
        "\"expired\"}}",
        JSON_HEAD, 401);
    add("{\"ok\":true}", JSON_HEAD, 200);
    add("{\"error\":{\"code\":\"InvalidAuthenticationToken\",\"message\":"
        "\"bad\"}}",
        JSON_HEAD, 401);
    add("{\"error\":{\"code\":\"InvalidAuthenticationToken\",\"message\":"
        "\"bad\"}}",
        JSON_HEAD, 401);
    start_server();
    c = client();
    geoha_deadline_init(&d, 5000);
    assert_int_equal(geoha_arm_get(c, "/a", "1", &d, &j), 0);
    json_decref(j);
    j = NULL;
    /* a second 401 after the refresh is final */
    assert_int_equal(geoha_arm_get(c, "/b", "1", &d, &j), GEOHA_E_AUTH);
    assert_int_equal(log_count("GET /b?"), 2);
    assert_string_equal(geoha_arm_last_code(c), "InvalidAuthenticationToken");
    assert_null(strstr(geoha_arm_last_error(c), TOKEN));
    geoha_arm_client_free(c);
}

static void
geoha_arm_lro_wait__async_operation(void **state)
{
    struct geoha_arm_client *c;
    struct geoha_deadline d;
    json_t *j = NULL, *body = json_pack("{s:{s:s}}", "properties",
                                        "replicationRole", "None");
    (void)state;

    add("",
        "HTTP/1.1 202 Accepted\r\nAzure-AsyncOperation: %s/op/1?"
        "api-version=1\r\nLocation: %s/res/1?api-version=1\r\n"
        "Retry-After: 0",
        base, base);
    add("{\"status\":\"InProgress\"}", JSON_HEAD, 200);
    add("{}", JSON_HEAD, 503); /* a blip reading the status: retried */
    add("{\"status\":\"Succeeded\"}", JSON_HEAD, 200);
    add("{\"properties\":{\"replicationRole\":\"None\"}}", JSON_HEAD, 200);
    start_server();
    c = client();
    geoha_deadline_init(&d, 10000);
    assert_int_equal(
        geoha_arm_call(c, GEOHA_ARM_PATCH, "/srv", "1", body, &d, &j), 0);
    assert_string_equal(geoha_arm_json_str(j, "properties.replicationRole"),
                        "None");
    assert_int_equal(log_count("PATCH /srv?api-version=1"), 1);
    assert_int_equal(log_count("GET /op/1?api-version=1 HTTP/1.1 auth=yes"), 3);
    assert_int_equal(log_count("GET /srv?api-version=1"), 1);
    json_decref(j);
    json_decref(body);
    geoha_arm_client_free(c);
}

static void
geoha_arm_lro_wait__async_failed_and_status_unreadable(void **state)
{
    struct geoha_arm_client *c;
    struct geoha_deadline d;
    (void)state;

    add("", "HTTP/1.1 202 Accepted\r\nAzure-AsyncOperation: %s/op/2", base);
    add("{\"status\":\"Failed\",\"error\":{\"code\":\"VMHookFailed\","
        "\"message\":\"the hook failed\"}}",
        JSON_HEAD, 200);
    add("", "HTTP/1.1 202 Accepted\r\nAzure-AsyncOperation: %s/op/3", base);
    add("{\"error\":{\"code\":\"ResourceNotFound\",\"message\":\"gone\"}}",
        JSON_HEAD, 404);
    start_server();
    c = client();
    geoha_deadline_init(&d, 10000);
    assert_int_equal(
        geoha_arm_call(c, GEOHA_ARM_POST, "/vm/powerOff", "1", NULL, &d, NULL),
        GEOHA_E_REMOTE);
    assert_string_equal(geoha_arm_last_code(c), "VMHookFailed");
    assert_non_null(strstr(geoha_arm_last_error(c), "Failed"));
    assert_non_null(strstr(geoha_arm_last_error(c), "the hook failed"));
    /* a 404 from the status URL is not the operation failing */
    assert_int_equal(
        geoha_arm_call(c, GEOHA_ARM_POST, "/vm/start", "1", NULL, &d, NULL),
        GEOHA_E_PROTOCOL);
    assert_non_null(strstr(geoha_arm_last_error(c), "reading the operation "
                                                    "status"));
    geoha_arm_client_free(c);
}

static void
geoha_arm_lro_wait__location(void **state)
{
    struct geoha_arm_client *c;
    struct geoha_deadline d;
    json_t *j = NULL;
    (void)state;

    add("", "HTTP/1.1 202 Accepted\r\nLocation: %s/res/9\r\nRetry-After: 0",
        base);
    add("", "HTTP/1.1 202 Accepted\r\nLocation: %s/res/9", base);
    add("{\"name\":\"db\",\"properties\":{\"state\":\"Ready\"}}", JSON_HEAD,
        200);
    add("", "HTTP/1.1 202 Accepted\r\nLocation: %s/res/10", base);
    add("", "HTTP/1.1 204 No Content");
    add("", "HTTP/1.1 202 Accepted\r\nLocation: %s/res/11", base);
    add("{\"error\":{\"code\":\"InternalServerError\",\"message\":\"it "
        "broke\"}}",
        JSON_HEAD, 500);
    start_server();
    c = client();
    geoha_deadline_init(&d, 10000);
    assert_int_equal(geoha_arm_call(c, GEOHA_ARM_PUT, "/db", "1", NULL, &d, &j),
                     0);
    assert_string_equal(geoha_arm_json_str(j, "name"), "db");
    json_decref(j);
    j = (json_t *)0x1;
    assert_int_equal(
        geoha_arm_call(c, GEOHA_ARM_POST, "/db/stop", "1", NULL, &d, &j), 0);
    assert_null(j);
    assert_int_equal(
        geoha_arm_call(c, GEOHA_ARM_POST, "/db/start", "1", NULL, &d, NULL),
        GEOHA_E_REMOTE);
    assert_non_null(strstr(geoha_arm_last_error(c), "it broke"));
    /* the operation's 500 is its result: not retried */
    assert_int_equal(log_count("GET /res/11 "), 1);
    geoha_arm_client_free(c);
}

static void
geoha_arm_lro_wait__provisioning_state(void **state)
{
    struct geoha_arm_client *c;
    struct geoha_deadline d;
    json_t *j = NULL;
    (void)state;

    add("{\"properties\":{\"provisioningState\":\"Updating\"}}", JSON_HEAD,
        201);
    add("{\"properties\":{\"provisioningState\":\"Updating\"}}", JSON_HEAD,
        200);
    add("{\"properties\":{\"provisioningState\":\"Succeeded\",\"x\":1}}",
        JSON_HEAD, 200);
    add("{\"properties\":{\"provisioningState\":\"Accepted\"}}", JSON_HEAD,
        200);
    add("{\"properties\":{\"provisioningState\":\"Failed\"}}", JSON_HEAD, 200);
    add("{\"properties\":{\"x\":2}}", JSON_HEAD, 200); /* already done */
    start_server();
    c = client();
    geoha_deadline_init(&d, 10000);
    assert_int_equal(geoha_arm_call(c, GEOHA_ARM_PUT, "/r1", "1", NULL, &d, &j),
                     0);
    assert_int_equal(json_integer_value(geoha_arm_json_at(j, "properties.x")),
                     1);
    json_decref(j);
    assert_int_equal(
        geoha_arm_call(c, GEOHA_ARM_PATCH, "/r2", "1", NULL, &d, NULL),
        GEOHA_E_REMOTE);
    assert_non_null(strstr(geoha_arm_last_error(c), "Failed"));
    assert_int_equal(
        geoha_arm_call(c, GEOHA_ARM_PATCH, "/r3", "1", NULL, &d, &j), 0);
    assert_int_equal(json_integer_value(geoha_arm_json_at(j, "properties.x")),
                     2);
    json_decref(j);
    geoha_arm_client_free(c);
}

static void
geoha_arm_lro_wait__deadline(void **state)
{
    struct geoha_arm_client *c;
    struct geoha_deadline d;
    int64_t t0, el;
    (void)state;

    add("",
        "HTTP/1.1 202 Accepted\r\nAzure-AsyncOperation: %s/op/5\r\n"
        "Retry-After: 1",
        base);
    for (int i = 0; i < 6; i++) {
        add("{\"status\":\"InProgress\"}", JSON_HEAD "\r\nRetry-After: 1", 200);
    }
    start_server();
    c = client();
    geoha_deadline_init(&d, 2500);
    t0 = geoha_now_ms();
    assert_int_equal(
        geoha_arm_call(c, GEOHA_ARM_POST, "/vm/powerOff", "1", NULL, &d, NULL),
        GEOHA_E_DEADLINE);
    el = geoha_now_ms() - t0;
    assert_true(el <= 2500 + 100);
    assert_true(el >= 1500);
    assert_non_null(strstr(geoha_arm_last_error(c), "InProgress"));
    geoha_arm_client_free(c);
}

static void
geoha_arm_send__token_stays_home(void **state)
{
    struct geoha_arm_client *c;
    struct geoha_deadline d;
    json_t *j = NULL;
    (void)state;

    /* an operation URL on another host must not get the token */
    add("",
        "HTTP/1.1 202 Accepted\r\nAzure-AsyncOperation: "
        "http://127.0.0.2:%d/op",
        port);
    add("{\"value\":[1],\"nextLink\":\"https://evil.example.com/x\"}",
        JSON_HEAD, 200);
    start_server();
    c = client();
    geoha_deadline_init(&d, 5000);
    assert_int_equal(
        geoha_arm_call(c, GEOHA_ARM_POST, "/a", "1", NULL, &d, NULL),
        GEOHA_E_PROTOCOL);
    assert_non_null(strstr(geoha_arm_last_error(c), "refusing to send"));
    assert_int_equal(geoha_arm_list(c, "/l", "1", 0, &d, &j), GEOHA_E_PROTOCOL);
    assert_null(j);
    assert_int_equal(log_count("auth=yes"), 2);
    assert_int_equal(log_count("HTTP/1.1"), 2);
    geoha_arm_client_free(c);
}

static void
geoha_arm_list__pages(void **state)
{
    struct geoha_arm_client *c;
    struct geoha_deadline d;
    json_t *j = NULL;
    static char p1[256], p2[256];
    (void)state;

    geoha_snprintf(p1, sizeof(p1),
                   "{\"value\":[{\"name\":\"a\"},{\"name\":\"b\"}],"
                   "\"nextLink\":\"%s/l?api-version=1&$skiptoken=2\"}",
                   base);
    geoha_snprintf(p2, sizeof(p2),
                   "{\"value\":[{\"name\":\"c\"}],"
                   "\"nextLink\":\"%s/l?api-version=1&$skiptoken=3\"}",
                   base);
    add(p1, JSON_HEAD, 200);
    add(p2, JSON_HEAD, 200);
    add("{\"value\":[],\"nextLink\":null}", JSON_HEAD, 200);
    add(p1, JSON_HEAD, 200);
    add(p2, JSON_HEAD, 200);
    add("{\"value\":{}}", JSON_HEAD, 200);
    start_server();
    c = client();
    geoha_deadline_init(&d, 5000);
    assert_int_equal(geoha_arm_list(c, "/l", "1", 0, &d, &j), 0);
    assert_int_equal(json_array_size(j), 3);
    assert_string_equal(geoha_arm_json_str(json_array_get(j, 2), "name"), "c");
    json_decref(j);
    j = NULL;
    assert_int_equal(geoha_arm_list(c, "/l", "1", 2, &d, &j), GEOHA_E_TOOBIG);
    assert_int_equal(geoha_arm_list(c, "/l", "1", 0, &d, &j), GEOHA_E_PROTOCOL);
    assert_null(j);
    geoha_arm_client_free(c);
}

static void
geoha_arm_imds_get__metadata_header(void **state)
{
    struct geoha_arm_config cfg;
    struct geoha_arm_client *c = NULL;
    struct geoha_deadline d;
    json_t *j = NULL;
    (void)state;

    add("{\"compute\":{\"name\":\"vm-ci\"}}", JSON_HEAD, 200);
    start_server();
    geoha_arm_config_init(&cfg);
    cfg.imds_endpoint = base;
    cfg.cache_dir = "";
    assert_int_equal(geoha_arm_client_new(&cfg, NULL, 0, &c), 0);
    geoha_deadline_init(&d, 5000);
    assert_int_equal(
        geoha_arm_imds_get(c, "/metadata/instance", "2021-12-13", &d, &j), 0);
    assert_string_equal(geoha_arm_json_str(j, "compute.name"), "vm-ci");
    assert_int_equal(log_count("GET /metadata/instance?api-version=2021-12-13"
                               " HTTP/1.1 auth=no metadata=yes"),
                     1);
    json_decref(j);
    geoha_arm_client_free(c);
}

static void
geoha_arm_auth_check__imds_token_and_cache(void **state)
{
    struct geoha_arm_config cfg;
    struct geoha_arm_client *c = NULL;
    struct geoha_deadline d;
    char cache[160];
    char body[256];
    struct stat st;
    (void)state;

    geoha_snprintf(body, sizeof(body),
                   "{\"access_token\":\"" TOKEN "\",\"expires_in\":\"3600\","
                   "\"expires_on\":\"%lld\",\"token_type\":\"Bearer\"}",
                   (long long)(geoha_wall_ms() / 1000 + 3600));
    add("{\"error\":\"invalid_request\",\"error_description\":\"Identity "
        "not found\"}",
        JSON_HEAD, 400);
    add("{}", JSON_HEAD, 410); /* IMDS restarting: retried */
    add(body, JSON_HEAD, 200);
    start_server();
    geoha_snprintf(cache, sizeof(cache), "%s/cache", dir);
    geoha_arm_config_init(&cfg);
    cfg.imds_endpoint = base;
    cfg.cache_dir = cache;
    cfg.client_id = "uami-1";
    assert_int_equal(geoha_arm_client_new(&cfg, NULL, 0, &c), 0);
    geoha_deadline_init(&d, 5000);
    assert_int_equal(geoha_arm_auth_check(c, &d), GEOHA_E_AUTH);
    assert_non_null(strstr(geoha_arm_last_error(c), "Identity not found"));
    assert_non_null(strstr(geoha_arm_last_error(c), "uami-1"));
    assert_int_equal(geoha_arm_auth_check(c, &d), 0);
    assert_int_equal(geoha_arm_token_fetches(c), 1);
    assert_int_equal(log_count("GET /metadata/identity/oauth2/token?"
                               "api-version=2018-02-01&resource=https%3A%2F%2F"
                               "management.azure.com%2F&client_id=uami-1 "
                               "HTTP/1.1 auth=no metadata=yes"),
                     3);
    geoha_arm_client_free(c);
    /* a second client (the next monitor) uses the cache: no request */
    assert_int_equal(stat(cache, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(geoha_arm_client_new(&cfg, NULL, 0, &c), 0);
    assert_int_equal(geoha_arm_auth_check(c, &d), 0);
    assert_int_equal(geoha_arm_token_fetches(c), 0);
    assert_int_equal(log_count("HTTP/1.1"), 3);
    geoha_arm_client_free(c);
    {
        char cmd[256];

        geoha_snprintf(cmd, sizeof(cmd), "%s/cache", dir);
        /* clean up the cache directory */
        DIR *dp = opendir(cmd);
        struct dirent *de;

        assert_non_null(dp);
        while ((de = readdir(dp)) != NULL) {
            char p[512];

            if (de->d_name[0] == '.') {
                continue;
            }
            geoha_snprintf(p, sizeof(p), "%s/%s", cmd, de->d_name);
            unlink(p);
        }
        closedir(dp);
        rmdir(cmd);
    }
}

/* issue 17 item 6: the token goes only into a directory that is ours
 * alone: not a symbolic link, owned by us, mode 0700 (created so). */
static void
geoha_arm_client_new__token_cache_dir(void **state)
{
    struct geoha_arm_config cfg;
    struct geoha_arm_client *c = NULL;
    char open_dir[160], link[160], link_slash[170], other[160], fresh[160];
    char file[160], err[512];
    struct stat st;
    (void)state;

    geoha_snprintf(open_dir, sizeof(open_dir), "%s/open", dir);
    geoha_snprintf(link, sizeof(link), "%s/link", dir);
    geoha_snprintf(link_slash, sizeof(link_slash), "%s/link/", dir);
    geoha_snprintf(other, sizeof(other), "%s/other", dir);
    geoha_snprintf(fresh, sizeof(fresh), "%s/fresh/cache", dir);
    geoha_snprintf(file, sizeof(file), "%s/file", dir);
    assert_int_equal(mkdir(open_dir, 0700), 0);
    assert_int_equal(chmod(open_dir, 0777), 0);
    assert_int_equal(symlink(open_dir, link), 0);
    assert_int_equal(mkdir(other, 0700), 0);
    assert_int_equal(
        geoha_file_replace(file, "x", 1, (uid_t)-1, (gid_t)-1, 0600), 0);

    geoha_arm_config_init(&cfg);
    cfg.imds_endpoint = "http://127.0.0.1:9";
    /* a symbolic link to a 0777 directory */
    cfg.cache_dir = link;
    err[0] = '\0';
    assert_int_equal(geoha_arm_client_new(&cfg, err, sizeof(err), &c), -EACCES);
    assert_null(c);
    assert_non_null(strstr(err, "symbolic link"));
    assert_non_null(strstr(err, link));
    cfg.cache_dir = link_slash;
    assert_int_equal(geoha_arm_client_new(&cfg, err, sizeof(err), &c), -EACCES);
    /* the 0777 directory itself */
    cfg.cache_dir = open_dir;
    assert_int_equal(geoha_arm_client_new(&cfg, err, sizeof(err), &c), -EACCES);
    assert_non_null(strstr(err, "mode 0777"));
    assert_int_equal(chmod(open_dir, 0750), 0);
    assert_int_equal(geoha_arm_client_new(&cfg, err, sizeof(err), &c), -EACCES);
    /* someone else's directory */
    if (geteuid() == 0) {
        assert_int_equal(chown(other, 65534, 65534), 0);
        cfg.cache_dir = other;
        assert_int_equal(geoha_arm_client_new(&cfg, err, sizeof(err), &c),
                         -EACCES);
        assert_non_null(strstr(err, "owned by uid 65534"));
    }
    /* not a directory */
    cfg.cache_dir = file;
    assert_int_equal(geoha_arm_client_new(&cfg, err, sizeof(err), &c), -EACCES);
    /* a missing one is created 0700, whatever the umask */
    {
        mode_t old = umask(0);

        cfg.cache_dir = fresh;
        assert_int_equal(geoha_arm_client_new(&cfg, err, sizeof(err), &c), 0);
        umask(old);
    }
    assert_non_null(c);
    geoha_arm_client_free(c);
    c = NULL;
    assert_int_equal(lstat(fresh, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0700);
    /* and then accepted as it is */
    assert_int_equal(geoha_arm_client_new(&cfg, err, sizeof(err), &c), 0);
    geoha_arm_client_free(c);
    unlink(link);
    unlink(file);
    rmdir(open_dir);
    rmdir(other);
    rmdir(fresh);
    geoha_snprintf(fresh, sizeof(fresh), "%s/fresh", dir);
    rmdir(fresh);
}

/* ---- the OCF glue ---- */

static const struct geoha_param ocf_params[] = {
    { .name = "profile",
      .type = GEOHA_PT_STRING,
      .shortdesc = "p",
      .longdesc = "p" },
    GEOHA_ARM_PARAMS,
};

static const struct geoha_action ocf_actions[] = {
    { .name = "meta-data",
      .flags = GEOHA_AF_NO_PARAMS,
      .timeout_s = 5,
      .depth = -1 },
};

static const struct geoha_agent ocf_agent = {
    .name = "armtest",
    .version = "1",
    .shortdesc = "t",
    .longdesc = "t",
    .params = ocf_params,
    .n_params = sizeof(ocf_params) / sizeof(ocf_params[0]),
    .actions = ocf_actions,
    .n_actions = 1,
};

static void
geoha_arm_config_from_ctx__reads_params(void **state)
{
    struct geoha_ctx *ctx = calloc(1, sizeof(*ctx));
    struct geoha_arm_config cfg;
    char err[256];
    (void)state;

    assert_non_null(ctx);
    assert_int_equal(GEOHA_ARM_N_PARAMS + 1, ocf_agent.n_params);
    ctx->agent = &ocf_agent;
    setenv("OCF_RESKEY_auth", "token-file", 1);
    setenv("OCF_RESKEY_token_file", token_path, 1);
    setenv("OCF_RESKEY_arm_endpoint", "http://127.0.0.1:9", 1);
    assert_int_equal(geoha_params_load(ctx, true), OCF_SUCCESS);
    assert_int_equal(geoha_arm_config_from_ctx(ctx, &cfg, err, sizeof(err)), 0);
    assert_int_equal(cfg.auth, GEOHA_ARM_AUTH_TOKEN_FILE);
    assert_string_equal(cfg.token_file, token_path);
    assert_string_equal(cfg.arm_endpoint, "http://127.0.0.1:9");
    assert_string_equal(cfg.login_endpoint, GEOHA_ARM_DEFAULT_LOGIN_ENDPOINT);
    assert_string_equal(cfg.imds_endpoint, GEOHA_ARM_DEFAULT_IMDS_ENDPOINT);
    assert_null(cfg.tenant);
    assert_int_equal(geoha_arm_config_check(&cfg, true, err, sizeof(err)), 0);
    /* defaults when nothing is set */
    unsetenv("OCF_RESKEY_auth");
    unsetenv("OCF_RESKEY_token_file");
    unsetenv("OCF_RESKEY_arm_endpoint");
    assert_int_equal(geoha_params_load(ctx, true), OCF_SUCCESS);
    assert_int_equal(geoha_arm_config_from_ctx(ctx, &cfg, err, sizeof(err)), 0);
    assert_int_equal(cfg.auth, GEOHA_ARM_AUTH_MSI);
    assert_string_equal(cfg.arm_endpoint, GEOHA_ARM_DEFAULT_ARM_ENDPOINT);
    /* the table refuses an unknown auth */
    setenv("OCF_RESKEY_auth", "password", 1);
    assert_int_equal(geoha_params_load(ctx, true), OCF_ERR_CONFIGURED);
    unsetenv("OCF_RESKEY_auth");
    free(ctx);
}

static void
geoha_arm_params__metadata(void **state)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    (void)state;

    assert_non_null(f);
    assert_int_equal(geoha_agent_metadata(&ocf_agent, f), 0);
    fclose(f);
    assert_non_null(strstr(text, "name=\"auth\""));
    assert_non_null(strstr(text, "default=\"msi\""));
    assert_non_null(strstr(text, "name=\"secret_file\""));
    assert_non_null(strstr(text, "default=\"https://management.azure.com\""));
    assert_non_null(strstr(text, "name=\"ca_file\""));
    free(text);
}

/* The agents' table (GEOHA_ARM_PARAMS) and the names the library reads
 * back (geoha_arm_param_name, geoha_arm_config_set) are one list. */
static void
geoha_arm_param_name__matches_the_table(void **state)
{
    static const struct geoha_param arm[] = { GEOHA_ARM_PARAMS };
    struct geoha_arm_config cfg;
    size_t n = sizeof(arm) / sizeof(arm[0]);
    (void)state;

    assert_int_equal(n, GEOHA_ARM_N_PARAMS);
    for (size_t i = 0; i < n; i++) {
        const char *name = geoha_arm_param_name(i);

        assert_non_null(name);
        assert_string_equal(name, arm[i].name);
        geoha_arm_config_init(&cfg);
        assert_int_equal(geoha_arm_config_set(&cfg, name, "msi"), 0);
    }
    assert_null(geoha_arm_param_name(n));
    geoha_arm_config_init(&cfg);
    assert_int_equal(geoha_arm_config_set(&cfg, GEOHA_ARM_P_CA_FILE, "/x"), 0);
    assert_string_equal(cfg.ca_file, "/x");
    assert_int_equal(geoha_arm_config_set(&cfg, GEOHA_ARM_P_TENANT, "t"), 0);
    assert_string_equal(cfg.tenant, "t");
    assert_int_equal(geoha_arm_config_set(&cfg, "profile", "p"), -ENOENT);
    assert_int_equal(geoha_arm_config_set(&cfg, GEOHA_ARM_P_AUTH, "password"),
                     GEOHA_E_CONFIG);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, each_setup, each_teardown)
    const struct CMUnitTest tests[] = {
        T(geoha_arm_config_check__auth_needs),
        T(geoha_arm_config_check__insecure_files_and_urls),
        T(geoha_arm_config_check__refuses_userinfo),
        T(geoha_arm_client_new__refuses_bad_config),
        T(geoha_arm_get__ok_and_headers),
        T(geoha_arm_get__error_line),
        T(geoha_arm_get__bad_bodies),
        T(geoha_arm_get__refuses_bad_paths),
        T(geoha_arm_get__retries_then_succeeds),
        T(geoha_arm_get__throttled_past_deadline),
        T(geoha_arm_get__connection_refused_bounded),
        T(geoha_arm_get__401_rereads_token_once),
        T(geoha_arm_lro_wait__async_operation),
        T(geoha_arm_lro_wait__async_failed_and_status_unreadable),
        T(geoha_arm_lro_wait__location),
        T(geoha_arm_lro_wait__provisioning_state),
        T(geoha_arm_lro_wait__deadline),
        T(geoha_arm_send__token_stays_home),
        T(geoha_arm_list__pages),
        T(geoha_arm_imds_get__metadata_header),
        T(geoha_arm_auth_check__imds_token_and_cache),
        T(geoha_arm_client_new__token_cache_dir),
        T(geoha_arm_config_from_ctx__reads_params),
        T(geoha_arm_params__metadata),
        T(geoha_arm_param_name__matches_the_table),
    };
#undef T

    return cmocka_run_group_tests_name("arm", tests, setup, teardown);
}
