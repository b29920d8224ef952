/* geoha: the SQL layer over MariaDB Connector/C. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

#include "geoha/file.h"
#include "geoha/gtid.h"
#include "geoha/mycnf.h"
#include "geoha/sql.h"

#define VALUE_MAX (2u * 1024u * 1024u) /* bytes of one column we keep */
#define WRITES_POLL_MS 100

struct geoha_sql {
    MYSQL *m;
    enum geoha_sql_flavour flavour;
    unsigned long version;
    unsigned err_no;
    char err[GEOHA_SQL_ERROR_MAX];
};

/* ---- option files ---- */

void
geoha_sql_account_clear(struct geoha_sql_account *a)
{
    if (a != NULL) {
        explicit_bzero(a, sizeof(*a));
    }
}

static int
set_field(char *dst, size_t size, const char *value)
{
    return geoha_strlcpy(dst, value, size) == 0 ? 0 : GEOHA_E_TOOBIG;
}

/* ---- TLS options (issue 17 item 1) ---- */

/*
 * A string option as MariaDB's clients spell it: its name, '_' or '-'
 * alike (lib/mycnf.c), with or without my_getopt's "loose-" prefix.
 */
#define STR_NAMES(x)                                                           \
    {                                                                          \
        x, "loose-" x, NULL                                                    \
    }
/*
 * A boolean option: the first four spellings take a value (alone: on),
 * the last four are off.
 */
#define BOOL_NAMES(x)                                                          \
    {                                                                          \
        x, "loose-" x, "enable-" x, "loose-enable-" x, "skip-" x,              \
            "loose-skip-" x, "disable-" x, "loose-disable-" x, NULL            \
    }
#define BOOL_OFF_FROM 4

/*
 * A boolean option's value as my_getopt reads it: 1, ON, TRUE are on; 0,
 * OFF, FALSE are off, and so is anything else (MariaDB warns "wasn't
 * recognized. Set to OFF").
 */
static bool
bool_value(const char *v)
{
    return v == NULL || strcmp(v, "1") == 0 || geoha_streq_ci(v, "ON")
           || geoha_streq_ci(v, "TRUE");
}

/* The last value of a string option in groups: 0, -ENOENT or an error. */
static int
str_option(const char *text, const char *const groups[],
           const char *const names[], char *dst, size_t size, size_t *line)
{
    size_t which = 0;
    char *v = NULL;
    int rc;

    rc = geoha_mycnf_find_any(text, groups, names, &which, &v, line);
    if (rc != 0) {
        return rc;
    }
    rc = set_field(dst, size, v != NULL ? v : "");
    if (v != NULL) {
        explicit_bzero(v, strlen(v));
        free(v);
    }
    return rc;
}

/* A boolean option: *on gets its value, -ENOENT when not named. */
static int
bool_option(const char *text, const char *const groups[],
            const char *const names[], bool *on, size_t *line)
{
    size_t which = 0;
    char *v = NULL;
    int rc;

    rc = geoha_mycnf_find_any(text, groups, names, &which, &v, line);
    if (rc != 0) {
        return rc;
    }
    *on = which < BOOL_OFF_FROM && bool_value(v);
    free(v);
    return 0;
}

static int
tls_parse_groups(const char *text, const char *const groups[],
                 struct geoha_sql_tls *out, size_t *line)
{
    static const char *const n_ca[] = STR_NAMES("ssl-ca");
    static const char *const n_capath[] = STR_NAMES("ssl-capath");
    static const char *const n_cert[] = STR_NAMES("ssl-cert");
    static const char *const n_key[] = STR_NAMES("ssl-key");
    static const char *const n_crl[] = STR_NAMES("ssl-crl");
    static const char *const n_crlpath[] = STR_NAMES("ssl-crlpath");
    static const char *const n_cipher[] = STR_NAMES("ssl-cipher");
    static const char *const n_version[] = STR_NAMES("tls-version");
    static const char *const n_ssl[] = BOOL_NAMES("ssl");
    static const char *const n_verify[] = BOOL_NAMES("ssl-verify-server-cert");
    const struct {
        const char *const *names;
        char *dst;
        size_t size;
    } strs[] = {
        { n_ca, out->ca, sizeof(out->ca) },
        { n_capath, out->capath, sizeof(out->capath) },
        { n_cert, out->cert, sizeof(out->cert) },
        { n_key, out->key, sizeof(out->key) },
        { n_crl, out->crl, sizeof(out->crl) },
        { n_crlpath, out->crlpath, sizeof(out->crlpath) },
        { n_cipher, out->cipher, sizeof(out->cipher) },
        { n_version, out->tls_version, sizeof(out->tls_version) },
    };
    bool ssl = false;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]) && rc == 0; i++) {
        rc = str_option(text, groups, strs[i].names, strs[i].dst, strs[i].size,
                        line);
        if (rc == -ENOENT) {
            rc = 0;
        }
        if (rc == 0 && strs[i].dst[0] != '\0') {
            out->configured = true;
        }
    }
    if (rc == 0) {
        rc = bool_option(text, groups, n_ssl, &ssl, line);
        if (rc == -ENOENT) {
            rc = 0;
        }
    }
    if (rc == 0) {
        rc = bool_option(text, groups, n_verify, &out->verify_asked, line);
        if (rc == -ENOENT) {
            rc = 0;
        }
    }
    /*
     * ssl on, or verification asked for (MariaDB's clients then use TLS
     * with the system's CAs), is TLS too; "ssl=0" does not undo a path
     * given above (see sql.h).
     */
    if (ssl || out->verify_asked) {
        out->configured = true;
    }
    if (rc != 0) {
        memset(out, 0, sizeof(*out));
    }
    return rc;
}

int
geoha_sql_tls_parse(const char *text, const char *group,
                    struct geoha_sql_tls *out)
{
    const char *const groups[] = { "client", "client-server", "client-mariadb",
                                   group, NULL };

    if (text == NULL || out == NULL) {
        return -EINVAL;
    }
    if (strlen(text) > GEOHA_SQL_OPTFILE_MAX) {
        return GEOHA_E_TOOBIG;
    }
    return tls_parse_groups(text, groups, out, NULL);
}

/*
 * issue 17 item 3: one reader, lib/mycnf.c, whose rules are MariaDB's
 * (a backslash before a character that is no escape stays, as
 * my_print_defaults shows: "Rp\d9x" is that password, backslash and all).
 */
/*
 * An account from option-file text, from groups (the one reader of both
 * the agents' connections and the replication account): user, password,
 * the TLS options. *line gets the line that could not be read.
 */
static int
account_read(const char *text, const char *const groups[],
             struct geoha_sql_account *acc, size_t *line)
{
    static const char *const n_user[] = STR_NAMES("user");
    static const char *const n_password[] = STR_NAMES("password");
    int rc;

    memset(acc, 0, sizeof(*acc));
    rc = str_option(text, groups, n_user, acc->user, sizeof(acc->user), line);
    if (rc == 0 || rc == -ENOENT) {
        rc = str_option(text, groups, n_password, acc->password,
                        sizeof(acc->password), line);
        acc->has_password = rc == 0;
    }
    if (rc == 0 || rc == -ENOENT) {
        rc = tls_parse_groups(text, groups, &acc->tls, line);
    }
    if (rc == 0) {
        geoha_strlcpy(acc->ssl_ca, acc->tls.ca, sizeof(acc->ssl_ca));
    } else {
        explicit_bzero(acc, sizeof(*acc));
    }
    return rc;
}

int
geoha_sql_optfile_parse(const char *text, const char *group,
                        struct geoha_sql_account *out)
{
    const char *const groups[] = { "client", group, NULL };
    struct geoha_sql_account acc;
    int rc;

    if (text == NULL || out == NULL) {
        return -EINVAL;
    }
    if (strlen(text) > GEOHA_SQL_OPTFILE_MAX) {
        return GEOHA_E_TOOBIG;
    }
    rc = account_read(text, groups, &acc, NULL);
    if (rc == 0 && acc.user[0] == '\0') {
        rc = GEOHA_E_CONFIG;
    }
    if (rc == 0) {
        *out = acc;
    }
    explicit_bzero(&acc, sizeof(acc));
    return rc;
}

int
geoha_sql_optfile_read(const char *path, const char *group,
                       struct geoha_sql_account *out)
{
    char *text = NULL;
    size_t len = 0;
    int rc;

    if (path == NULL || out == NULL) {
        return -EINVAL;
    }
    /* issue 17 item 5: a secret file is checked wherever it is read */
    rc = geoha_file_check_private(path);
    if (rc == 0) {
        rc = geoha_file_read(path, GEOHA_SQL_OPTFILE_MAX, &text, &len);
    }
    if (rc != 0) {
        return rc;
    }
    rc = geoha_sql_optfile_parse(text, group, out);
    explicit_bzero(text, len);
    free(text);
    return rc;
}

int
geoha_sql_quote(struct geoha_buf *b, const char *s, bool no_backslash)
{
    struct geoha_buf t;
    int rc;

    if (b == NULL || s == NULL) {
        return -EINVAL;
    }
    for (const char *p = s; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 && *p != '\t') {
            return -EINVAL;
        }
        if (*p == 0x7f) {
            return -EINVAL;
        }
    }
    geoha_buf_init(&t, b->max);
    geoha_buf_puts(&t, "'");
    for (const char *p = s; *p != '\0'; p++) {
        if (*p == '\'') {
            geoha_buf_puts(&t, no_backslash ? "''" : "\\'");
        } else if (*p == '\\' && !no_backslash) {
            geoha_buf_puts(&t, "\\\\");
        } else if (*p == '"' && !no_backslash) {
            geoha_buf_puts(&t, "\\\"");
        } else {
            geoha_buf_append(&t, p, 1);
        }
    }
    geoha_buf_puts(&t, "'");
    rc = t.error;
    if (rc == 0) {
        rc = geoha_buf_append(b, t.data, t.len);
    }
    if (t.data != NULL) {
        explicit_bzero(t.data, t.cap); /* it may have been a password */
    }
    geoha_buf_clear(&t);
    return rc;
}

/* ---- connections ---- */

/*
 * Whole seconds for the client library's timeouts, rounded down so that no
 * connect, read or write outlives the deadline (at least 1 s: the library
 * takes 0 as "no timeout").
 */
static unsigned
timeout_s(const struct geoha_deadline *d)
{
    int64_t s = geoha_deadline_left_ms(d) / 1000;

    if (s < 1) {
        s = 1;
    }
    if (s > 3600) {
        s = 3600;
    }
    return (unsigned)s;
}

/* The operating system error the client library put in "... (111)". */
static int
os_errno_of(const char *msg)
{
    const char *open = strrchr(msg, '(');
    long long v;
    char num[16];
    size_t n;

    if (open == NULL) {
        return 0;
    }
    n = strcspn(open + 1, ")");
    if (n == 0 || n >= sizeof(num) || open[1 + n] != ')') {
        return 0;
    }
    memcpy(num, open + 1, n);
    num[n] = '\0';
    return geoha_parse_ll(num, 0, 4096, &v) == 0 ? (int)v : 0;
}

/* A connect failure's operating system error as a result (0: not one). */
static int
result_of_os_errno(int e)
{
    switch (e) {
    case ENOENT:
    case ECONNREFUSED:
        return GEOHA_E_NOT_RUNNING;
    case ETIMEDOUT:
        return -ETIMEDOUT;
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EHOSTDOWN:
        return -EHOSTUNREACH;
    default:
        return 0;
    }
}

static int
result_of(unsigned code, const char *msg)
{
    switch (code) {
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR: {
        int rc = result_of_os_errno(os_errno_of(msg));

        /*
         * Connector/C connects without blocking and reports errno after
         * its poll, which is often still EINPROGRESS (115) whatever
         * happened: refused, unreachable or reset. The caller finds out
         * what it was (tcp_probe); here it stays "no answer".
         */
        return rc != 0 ? rc : -ETIMEDOUT;
    }
    case CR_UNKNOWN_HOST:
        return -EHOSTUNREACH;
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
    case CR_SERVER_LOST_EXTENDED:
        return -ECONNRESET;
    case ER_ACCESS_DENIED_ERROR:
    case ER_DBACCESS_DENIED_ERROR:
    case ER_SPECIFIC_ACCESS_DENIED_ERROR:
    case ER_ACCESS_DENIED_NO_PASSWORD_ERROR:
        return GEOHA_E_AUTH;
    default:
        return GEOHA_E_REMOTE;
    }
}

/*
 * One TCP connection attempt to ai within timeout_ms: 0 when it was
 * accepted, else the operating system error (ETIMEDOUT when nothing
 * answered in time).
 */
static int
tcp_try(const struct addrinfo *ai, int64_t timeout_ms)
{
    struct pollfd pfd;
    socklen_t len = sizeof(int);
    int fd, err = 0, n;

    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                ai->ai_protocol);
    if (fd < 0) {
        return errno;
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        err = errno;
    }
    if (err == EINPROGRESS) {
        pfd.fd = fd;
        pfd.events = POLLOUT;
        pfd.revents = 0;
        do {
            n = poll(&pfd, 1, (int)timeout_ms);
        } while (n < 0 && errno == EINTR);
        if (n == 0) {
            err = ETIMEDOUT;
        } else if (n < 0
                   || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) {
            err = errno;
        }
    }
    close(fd);
    return err;
}

/*
 * Why a TCP connection to host:port failed, found out by trying once more
 * ourselves (Connector/C does not say exactly): GEOHA_E_NOT_RUNNING when
 * every address refused, -EHOSTUNREACH when none can be routed to (or the
 * name does not resolve), -ETIMEDOUT when one did not answer in time,
 * -ECONNRESET when one accepted (something listens after all).
 */
static int
tcp_probe(const char *host, int port, const struct geoha_deadline *d)
{
    struct addrinfo hints = { 0 }, *res = NULL;
    char serv[16];
    bool refused = false, timed_out = false, other = false;
    int rc;

    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    geoha_snprintf(serv, sizeof(serv), "%d", port);
    if (getaddrinfo(host, serv, &hints, &res) != 0 || res == NULL) {
        return -EHOSTUNREACH;
    }
    for (const struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        int64_t left = geoha_deadline_left_ms(d);
        int e;

        if (left <= 0) {
            timed_out = true;
            break;
        }
        e = tcp_try(ai, left);
        if (e == 0) {
            freeaddrinfo(res);
            return -ECONNRESET;
        }
        rc = result_of_os_errno(e);
        if (rc == GEOHA_E_NOT_RUNNING) {
            refused = true;
        } else if (rc == -ETIMEDOUT) {
            timed_out = true;
        } else if (rc != -EHOSTUNREACH) {
            other = true;
        }
    }
    freeaddrinfo(res);
    if (timed_out || other) {
        return -ETIMEDOUT;
    }
    return refused ? GEOHA_E_NOT_RUNNING : -EHOSTUNREACH;
}

static int
fail(struct geoha_sql *c)
{
    c->err_no = mysql_errno(c->m);
    geoha_snprintf(c->err, sizeof(c->err), "(%u) %s", c->err_no,
                   mysql_error(c->m));
    return result_of(c->err_no, mysql_error(c->m));
}

/*
 * Read the connection's option file with lib/mycnf.c, from the groups
 * Connector/C would read. *line gets the line that could not be read.
 */
static int
client_file_read(const char *path, const char *group,
                 struct geoha_sql_account *f, size_t *line)
{
    const char *const groups[] = { "client", "client-server", "client-mariadb",
                                   group, NULL };
    char *text = NULL;
    size_t len = 0;
    int rc;

    memset(f, 0, sizeof(*f));
    rc = geoha_file_read(path, GEOHA_SQL_OPTFILE_MAX, &text, &len);
    if (rc != 0) {
        return rc;
    }
    rc = account_read(text, groups, f, line);
    explicit_bzero(text, len);
    free(text);
    return rc;
}

/*
 * Hand the file's TLS options to Connector/C. Connector/C reads no option
 * file of ours, so nothing can undo what is set here.
 */
static void
tls_options(MYSQL *m, const struct geoha_sql_tls *tls, bool tcp)
{
    my_bool on = 1;
    const struct {
        enum mysql_option opt;
        const char *value;
    } paths[] = {
        { MYSQL_OPT_SSL_CA, tls->ca },
        { MYSQL_OPT_SSL_CAPATH, tls->capath },
        { MYSQL_OPT_SSL_CERT, tls->cert },
        { MYSQL_OPT_SSL_KEY, tls->key },
        { MYSQL_OPT_SSL_CRL, tls->crl },
        { MYSQL_OPT_SSL_CRLPATH, tls->crlpath },
        { MYSQL_OPT_SSL_CIPHER, tls->cipher },
        { MARIADB_OPT_TLS_VERSION, tls->tls_version },
    };

    /*
     * Not configured: no TLS option at all. Setting
     * MYSQL_OPT_SSL_VERIFY_SERVER_CERT alone makes Connector/C 3.3 use TLS
     * (against the system's CAs) and refuse a server without TLS ("SSL is
     * required, but the server does not support it"): connections that
     * never asked for TLS keep working as they did.
     */
    if (!tls->configured) {
        return;
    }
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        if (paths[i].value[0] != '\0') {
            mysql_options(m, paths[i].opt, paths[i].value);
        }
    }
    /* TLS or no connection: never a silent fall-back to plain text */
    mysql_options(m, MYSQL_OPT_SSL_ENFORCE, &on);
    /*
     * issue 17 item 1: over TCP the server's certificate must chain to the
     * CA and name the host we asked for, whatever ssl-verify-server-cert
     * says. Without the name check any certificate from the same CA (on
     * Azure a public one) passes, so an on-path party could read the
     * admin login or relay the session and clear read_only: a file cannot
     * turn that off, it can only ask for it. A local socket has no network
     * path to sit on (its file mode guards it) and its name would be
     * "localhost": there the check is made only when the file asks.
     */
    if (tcp || tls->verify_asked) {
        mysql_options(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
    }
}

/* The operator's line for a failed TLS handshake or verification. */
static void
tls_why(const struct geoha_sql *c, const char *host, char *why, size_t why_size)
{
    geoha_snprintf(why, why_size,
                   "TLS with the server at '%s' failed (TLS is required; "
                   "its certificate must chain to the option file's CA, or "
                   "the system's, and name '%s': host-name check): %s",
                   host, host, c->err);
}

int
geoha_sql_connect(const struct geoha_sql_target *t,
                  const struct geoha_deadline *d, char *why, size_t why_size,
                  struct geoha_sql **out)
{
    struct geoha_sql *c = NULL;
    struct geoha_sql_account *f;
    unsigned tmo = timeout_s(d);
    my_bool off = 0;
    const char *info, *user, *password;
    bool tls;
    int rc = 0;

    if (t == NULL || d == NULL || out == NULL
        || (t->socket == NULL && (t->host == NULL || t->port <= 0))) {
        return -EINVAL;
    }
    if (why != NULL && why_size > 0) {
        why[0] = '\0';
    }
    if (geoha_deadline_expired(d)) {
        return GEOHA_E_DEADLINE;
    }
    /* issue 17 item 5: the account's option file is root-only on every
     * connection (monitor too), not only when the parameters are checked */
    if (t->defaults_file != NULL) {
        int prc = geoha_file_check_private(t->defaults_file);

        if (prc != 0) {
            if (why != NULL && why_size > 0) {
                geoha_snprintf(why, why_size, "option file '%s' %s",
                               t->defaults_file,
                               prc == GEOHA_E_INSECURE
                                   ? "can be read by others or is not owned "
                                     "by root (it must be mode 0600 or "
                                     "0400, owned by root)"
                                   : geoha_strerror(prc));
            }
            return prc;
        }
    }
    f = calloc(1, sizeof(*f));
    if (f == NULL) {
        return -ENOMEM;
    }
    if (t->defaults_file != NULL) {
        size_t line = 0;
        int frc = client_file_read(t->defaults_file, t->group, f, &line);

        if (frc != 0) {
            if (why != NULL && why_size > 0) {
                if (frc == GEOHA_E_PARSE) {
                    geoha_snprintf(why, why_size,
                                   "option file '%s' line %zu cannot be read "
                                   "(as MariaDB reads it; !include is "
                                   "refused)",
                                   t->defaults_file, line);
                } else {
                    geoha_snprintf(why, why_size, "option file '%s': %s",
                                   t->defaults_file, geoha_strerror(frc));
                }
            }
            free(f);
            return frc == GEOHA_E_PARSE || frc == GEOHA_E_TOOBIG
                       ? GEOHA_E_CONFIG
                       : frc;
        }
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        explicit_bzero(f, sizeof(*f));
        free(f);
        return -ENOMEM;
    }
    c->m = mysql_init(NULL);
    if (c->m == NULL) {
        explicit_bzero(f, sizeof(*f));
        free(f);
        free(c);
        return -ENOMEM;
    }
    mysql_options(c->m, MYSQL_OPT_CONNECT_TIMEOUT, &tmo);
    mysql_options(c->m, MYSQL_OPT_READ_TIMEOUT, &tmo);
    mysql_options(c->m, MYSQL_OPT_WRITE_TIMEOUT, &tmo);
    mysql_options(c->m, MYSQL_OPT_RECONNECT, &off);
    mysql_options(c->m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (t->tls_required) {
        f->tls.configured = true;
    }
    tls_options(c->m, &f->tls, t->socket == NULL);
    user = f->user[0] != '\0' ? f->user : NULL;
    password = f->has_password ? f->password : NULL;
    if (t->socket != NULL) {
        unsigned proto = MYSQL_PROTOCOL_SOCKET;

        mysql_options(c->m, MYSQL_OPT_PROTOCOL, &proto);
        if (mysql_real_connect(c->m, "localhost", user, password, NULL, 0,
                               t->socket, 0)
            == NULL) {
            rc = fail(c);
        }
    } else {
        unsigned proto = MYSQL_PROTOCOL_TCP;

        mysql_options(c->m, MYSQL_OPT_PROTOCOL, &proto);
        if (mysql_real_connect(c->m, t->host, user, password, NULL,
                               (unsigned)t->port, NULL, 0)
            == NULL) {
            rc = fail(c);
            if ((c->err_no == CR_CONNECTION_ERROR
                 || c->err_no == CR_CONN_HOST_ERROR)
                && result_of_os_errno(os_errno_of(c->err)) == 0) {
                rc = tcp_probe(t->host, t->port, d);
            } else if (rc == -ECONNRESET) {
                /*
                 * Reset during the handshake: a server that is going away
                 * (its listening socket accepted, then closed). It counts
                 * as listening only if the port still accepts.
                 */
                int probe = tcp_probe(t->host, t->port, d);

                if (probe == GEOHA_E_NOT_RUNNING || probe == -EHOSTUNREACH) {
                    rc = probe;
                }
            }
        }
    }
    tls = f->tls.configured;
    explicit_bzero(f, sizeof(*f));
    free(f);
    if (rc != 0) {
        if (why != NULL && why_size > 0) {
            if (tls && c->err_no == CR_SSL_CONNECTION_ERROR) {
                tls_why(c, t->socket != NULL ? "localhost" : t->host, why,
                        why_size);
            } else {
                geoha_strlcpy(why, c->err, why_size);
            }
        }
        geoha_sql_close(c);
        return rc;
    }
    info = mysql_get_server_info(c->m);
    c->flavour = (info != NULL && strstr(info, "MariaDB") != NULL)
                     ? GEOHA_SQL_MARIADB
                     : GEOHA_SQL_MYSQL;
    c->version = mysql_get_server_version(c->m);
    *out = c;
    return 0;
}

void
geoha_sql_close(struct geoha_sql *c)
{
    if (c == NULL) {
        return;
    }
    if (c->m != NULL) {
        mysql_close(c->m);
    }
    free(c);
}

enum geoha_sql_flavour
geoha_sql_flavour(const struct geoha_sql *c)
{
    return c->flavour;
}

unsigned long
geoha_sql_version(const struct geoha_sql *c)
{
    return c->version;
}

bool
geoha_sql_has_super_read_only(const struct geoha_sql *c)
{
    return c->flavour == GEOHA_SQL_MYSQL && c->version >= 50708;
}

const char *
geoha_sql_error(const struct geoha_sql *c)
{
    return c != NULL ? c->err : "";
}

unsigned
geoha_sql_errno(const struct geoha_sql *c)
{
    return c != NULL ? c->err_no : 0;
}

static bool
no_backslash(const struct geoha_sql *c)
{
    return (c->m->server_status & SERVER_STATUS_NO_BACKSLASH_ESCAPES) != 0;
}

/* Run stmt; on success the caller owns *res (may be NULL: no result). */
static int
run(struct geoha_sql *c, const char *stmt, MYSQL_RES **res)
{
    MYSQL_RES *r;

    c->err_no = 0;
    c->err[0] = '\0';
    if (mysql_real_query(c->m, stmt, strlen(stmt)) != 0) {
        return fail(c);
    }
    r = mysql_store_result(c->m);
    if (r == NULL && mysql_field_count(c->m) != 0) {
        return fail(c);
    }
    /* statements here never return several results; drain to be sure */
    while (mysql_more_results(c->m) && mysql_next_result(c->m) == 0) {
        MYSQL_RES *x = mysql_store_result(c->m);

        mysql_free_result(x);
    }
    if (res != NULL) {
        *res = r;
    } else {
        mysql_free_result(r);
    }
    return 0;
}

int
geoha_sql_exec(struct geoha_sql *c, const char *stmt)
{
    if (c == NULL || stmt == NULL) {
        return -EINVAL;
    }
    return run(c, stmt, NULL);
}

static int
dup_value(const char *v, unsigned long len, char **out)
{
    char *s;

    if (v == NULL) {
        *out = NULL;
        return 0;
    }
    if (len > VALUE_MAX) {
        return GEOHA_E_TOOBIG;
    }
    s = malloc(len + 1);
    if (s == NULL) {
        return -ENOMEM;
    }
    memcpy(s, v, len);
    s[len] = '\0';
    *out = s;
    return 0;
}

int
geoha_sql_query_value(struct geoha_sql *c, const char *query, char **value)
{
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    unsigned long *len;
    int rc;

    if (c == NULL || query == NULL || value == NULL) {
        return -EINVAL;
    }
    rc = run(c, query, &res);
    if (rc != 0) {
        return rc;
    }
    if (res == NULL || mysql_num_fields(res) < 1) {
        rc = GEOHA_E_PROTOCOL;
        goto done;
    }
    row = mysql_fetch_row(res);
    if (row == NULL) {
        rc = -ENOENT;
        goto done;
    }
    len = mysql_fetch_lengths(res);
    rc = dup_value(row[0], len[0], value);
done:
    mysql_free_result(res);
    return rc;
}

/* ---- server state ---- */

void
geoha_sql_status_clear(struct geoha_sql_status *st)
{
    if (st == NULL) {
        return;
    }
    free(st->gtid_state);
    free(st->gtid_pos);
    free(st->gtid_slave_pos);
    free(st->gtid_binlog_pos);
    memset(st, 0, sizeof(*st));
}

static int
parse_flag(const char *v, bool *out)
{
    if (v == NULL) {
        return GEOHA_E_PROTOCOL;
    }
    if (strcmp(v, "1") == 0 || strcmp(v, "ON") == 0) {
        *out = true;
    } else if (strcmp(v, "0") == 0 || strcmp(v, "OFF") == 0) {
        *out = false;
    } else {
        return GEOHA_E_PROTOCOL;
    }
    return 0;
}

/* MariaDB's position: binlog and slave positions merged per domain. */
static int
merge_pos(const char *a, const char *b, char **out)
{
    struct geoha_gtid_set *sa = NULL, *sb = NULL, *m = NULL;
    int rc;

    rc = geoha_gtid_set_parse(a, GEOHA_GTID_MARIADB, &sa);
    if (rc == 0) {
        rc = geoha_gtid_set_parse(b, GEOHA_GTID_MARIADB, &sb);
    }
    if (rc == 0) {
        rc = geoha_gtid_pos_merge(sa, sb, &m);
    }
    if (rc == 0) {
        rc = geoha_gtid_set_format(m, out);
    }
    geoha_gtid_set_free(sa);
    geoha_gtid_set_free(sb);
    geoha_gtid_set_free(m);
    return rc;
}

int
geoha_sql_status_get(struct geoha_sql *c, struct geoha_sql_status *out)
{
    struct geoha_sql_status st;
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    unsigned long *len;
    long long id;
    bool maria;
    int rc;

    if (c == NULL || out == NULL) {
        return -EINVAL;
    }
    memset(&st, 0, sizeof(st));
    maria = c->flavour == GEOHA_SQL_MARIADB;
    if (maria) {
        rc = run(c,
                 "SELECT @@global.read_only, @@global.server_id, "
                 "@@global.gtid_binlog_state, @@global.gtid_binlog_pos, "
                 "@@global.gtid_slave_pos",
                 &res);
    } else if (geoha_sql_has_super_read_only(c)) {
        rc = run(c,
                 "SELECT @@global.read_only, @@global.server_id, "
                 "@@global.gtid_executed, @@global.super_read_only",
                 &res);
    } else {
        rc = run(c,
                 "SELECT @@global.read_only, @@global.server_id, "
                 "@@global.gtid_executed, 0",
                 &res);
    }
    if (rc != 0) {
        return rc;
    }
    if (res == NULL || mysql_num_fields(res) != (maria ? 5u : 4u)
        || (row = mysql_fetch_row(res)) == NULL) {
        rc = GEOHA_E_PROTOCOL;
        goto done;
    }
    len = mysql_fetch_lengths(res);
    rc = parse_flag(row[0], &st.read_only);
    if (rc == 0
        && (row[1] == NULL
            || geoha_parse_ll(row[1], 0, UINT32_MAX, &id) != 0)) {
        rc = GEOHA_E_PROTOCOL;
    }
    if (rc != 0) {
        goto done;
    }
    st.server_id = (unsigned long)id;
    rc = dup_value(row[2] ? row[2] : "", row[2] ? len[2] : 0, &st.gtid_state);
    if (rc != 0) {
        goto done;
    }
    if (maria) {
        rc = dup_value(row[3] ? row[3] : "", row[3] ? len[3] : 0,
                       &st.gtid_binlog_pos);
        if (rc == 0) {
            rc = dup_value(row[4] ? row[4] : "", row[4] ? len[4] : 0,
                           &st.gtid_slave_pos);
        }
        if (rc == 0) {
            rc = merge_pos(st.gtid_binlog_pos, st.gtid_slave_pos, &st.gtid_pos);
        }
    } else {
        rc = parse_flag(row[3], &st.super_read_only);
        if (rc == 0) {
            rc = dup_value(st.gtid_state, strlen(st.gtid_state), &st.gtid_pos);
        }
    }
done:
    mysql_free_result(res);
    if (rc != 0) {
        geoha_sql_status_clear(&st);
        return rc;
    }
    *out = st;
    return 0;
}

int
geoha_sql_set_read_only(struct geoha_sql *c, bool on,
                        const struct geoha_deadline *d)
{
    char stmt[128];
    struct geoha_sql_status st;
    bool super = geoha_sql_has_super_read_only(c);
    int rc;

    if (c == NULL || d == NULL) {
        return -EINVAL;
    }
    /* never wait for a metadata lock longer than the operation allows */
    rc = geoha_snprintf(stmt, sizeof(stmt), "SET SESSION lock_wait_timeout=%u",
                        timeout_s(d));
    if (rc == 0) {
        rc = geoha_sql_exec(c, stmt);
    }
    if (rc != 0) {
        return rc;
    }
    if (on) {
        rc = geoha_sql_exec(c, "SET GLOBAL read_only=ON");
        if (rc == 0 && super) {
            rc = geoha_sql_exec(c, "SET GLOBAL super_read_only=ON");
        }
    } else {
        if (super) {
            rc = geoha_sql_exec(c, "SET GLOBAL super_read_only=OFF");
        }
        if (rc == 0) {
            rc = geoha_sql_exec(c, "SET GLOBAL read_only=OFF");
        }
    }
    if (rc != 0) {
        return rc;
    }
    rc = geoha_sql_status_get(c, &st);
    if (rc != 0) {
        return rc;
    }
    if (st.read_only != on || (super && st.super_read_only != on)) {
        rc = GEOHA_E_STATE;
    }
    geoha_sql_status_clear(&st);
    return rc;
}

/* ---- replication ---- */

void
geoha_sql_replica_clear(struct geoha_sql_replica *r)
{
    if (r == NULL) {
        return;
    }
    free(r->received);
    memset(r, 0, sizeof(*r));
}

static bool
col_is(const char *name, const char *a, const char *b)
{
    return strcmp(name, a) == 0 || (b != NULL && strcmp(name, b) == 0);
}

static enum geoha_sql_thread
thread_state(const char *v)
{
    if (v == NULL) {
        return GEOHA_SQL_THREAD_NO;
    }
    if (strcmp(v, "Yes") == 0) {
        return GEOHA_SQL_THREAD_YES;
    }
    if (strcmp(v, "Connecting") == 0 || strcmp(v, "Preparing") == 0) {
        return GEOHA_SQL_THREAD_CONNECTING;
    }
    return GEOHA_SQL_THREAD_NO;
}

static int
parse_uint(const char *v, long long max, long long *out)
{
    if (v == NULL || *v == '\0') {
        *out = 0;
        return 0;
    }
    return geoha_parse_ll(v, 0, max, out) == 0 ? 0 : GEOHA_E_PROTOCOL;
}

int
geoha_sql_replica_from_row(const char *const names[],
                           const char *const values[], size_t n,
                           struct geoha_sql_replica *out)
{
    struct geoha_sql_replica r;
    bool saw_io = false, saw_sql = false;
    long long v;
    int rc = 0;

    if (names == NULL || values == NULL || out == NULL) {
        return -EINVAL;
    }
    memset(&r, 0, sizeof(r));
    r.configured = true;
    r.lag_s = -1;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *k = names[i], *val = values[i];

        if (k == NULL) {
            continue;
        }
        if (col_is(k, "Master_Host", "Source_Host")) {
            rc = (val == NULL
                  || geoha_strlcpy(r.source_host, val, sizeof(r.source_host))
                         == 0)
                     ? 0
                     : GEOHA_E_PROTOCOL;
        } else if (col_is(k, "Master_Port", "Source_Port")) {
            rc = parse_uint(val, 65535, &v);
            r.source_port = (int)v;
        } else if (col_is(k, "Slave_IO_Running", "Replica_IO_Running")) {
            r.io = thread_state(val);
            saw_io = true;
        } else if (col_is(k, "Slave_SQL_Running", "Replica_SQL_Running")) {
            r.sql = thread_state(val);
            saw_sql = true;
        } else if (col_is(k, "Seconds_Behind_Master",
                          "Seconds_Behind_Source")) {
            if (val == NULL) {
                r.lag_s = -1;
            } else {
                rc = parse_uint(val, INT32_MAX, &r.lag_s);
            }
        } else if (col_is(k, "Last_IO_Errno", NULL)) {
            rc = parse_uint(val, UINT32_MAX, &v);
            r.io_errno = (unsigned)v;
        } else if (col_is(k, "Last_SQL_Errno", NULL)) {
            rc = parse_uint(val, UINT32_MAX, &v);
            r.sql_errno = (unsigned)v;
        } else if (col_is(k, "Last_IO_Error", NULL) && val != NULL) {
            geoha_strlcpy(r.io_error, val, sizeof(r.io_error));
            if (r.io_error[0] == '\0' && val[0] != '\0') {
                /* too long: keep the start of it */
                memcpy(r.io_error, val, sizeof(r.io_error) - 1);
                r.io_error[sizeof(r.io_error) - 1] = '\0';
            }
        } else if (col_is(k, "Last_SQL_Error", NULL) && val != NULL) {
            geoha_strlcpy(r.sql_error, val, sizeof(r.sql_error));
            if (r.sql_error[0] == '\0' && val[0] != '\0') {
                memcpy(r.sql_error, val, sizeof(r.sql_error) - 1);
                r.sql_error[sizeof(r.sql_error) - 1] = '\0';
            }
        } else if (col_is(k, "Master_SSL_Allowed", "Source_SSL_Allowed")) {
            r.ssl = val != NULL && strcmp(val, "Yes") == 0;
        } else if (col_is(k, "Master_SSL_Verify_Server_Cert",
                          "Source_SSL_Verify_Server_Cert")) {
            r.ssl_verify = val != NULL && strcmp(val, "Yes") == 0;
        } else if (col_is(k, "Using_Gtid", NULL)) {
            r.gtid_mode = val != NULL && strcmp(val, "No") != 0;
        } else if (col_is(k, "Auto_Position", NULL)) {
            r.gtid_mode = val != NULL && strcmp(val, "1") == 0;
        } else if (col_is(k, "Master_Log_File", "Source_Log_File")) {
            if (val != NULL
                && geoha_strlcpy(r.read_file, val, sizeof(r.read_file)) != 0) {
                rc = GEOHA_E_PROTOCOL;
            }
        } else if (col_is(k, "Read_Master_Log_Pos", "Read_Source_Log_Pos")) {
            rc = parse_uint(val, INT64_MAX, &v);
            r.read_pos = (unsigned long long)v;
        } else if (col_is(k, "Gtid_IO_Pos", "Retrieved_Gtid_Set")) {
            free(r.received);
            r.received = NULL;
            rc = dup_value(val ? val : "", val ? strlen(val) : 0, &r.received);
        }
    }
    if (rc == 0 && (!saw_io || !saw_sql)) {
        rc = GEOHA_E_PROTOCOL; /* not a replica status row */
    }
    if (rc != 0) {
        geoha_sql_replica_clear(&r);
        return rc;
    }
    *out = r;
    return 0;
}

int
geoha_sql_replica_status(struct geoha_sql *c, struct geoha_sql_replica *out)
{
    const char *stmt = "SHOW SLAVE STATUS";
    MYSQL_RES *res = NULL;
    MYSQL_FIELD *fields;
    MYSQL_ROW row, pick = NULL;
    const char **names = NULL;
    int channel = -1;
    unsigned nf;
    int rc;

    if (c == NULL || out == NULL) {
        return -EINVAL;
    }
    if ((c->flavour == GEOHA_SQL_MARIADB && c->version >= 100501)
        || (c->flavour == GEOHA_SQL_MYSQL && c->version >= 80022)) {
        stmt = "SHOW REPLICA STATUS";
    }
    rc = run(c, stmt, &res);
    if (rc != 0) {
        return rc;
    }
    if (res == NULL) {
        return GEOHA_E_PROTOCOL;
    }
    nf = mysql_num_fields(res);
    fields = mysql_fetch_fields(res);
    names = calloc(nf + 1, sizeof(*names));
    if (names == NULL) {
        rc = -ENOMEM;
        goto done;
    }
    for (unsigned i = 0; i < nf; i++) {
        names[i] = fields[i].name;
        if (strcmp(fields[i].name, "Channel_Name") == 0) {
            channel = (int)i;
        }
    }
    /* the default channel: MySQL lists every channel, "" is the default */
    while ((row = mysql_fetch_row(res)) != NULL) {
        if (channel < 0 || row[channel] == NULL || row[channel][0] == '\0') {
            pick = row;
            break;
        }
    }
    if (pick == NULL) {
        geoha_sql_replica_clear(out);
        out->lag_s = -1;
        rc = 0;
        goto done;
    }
    rc = geoha_sql_replica_from_row(names, (const char *const *)pick, nf, out);
done:
    free(names);
    mysql_free_result(res);
    return rc;
}

static bool
new_syntax(const struct geoha_sql *c)
{
    return c->flavour == GEOHA_SQL_MYSQL && c->version >= 80023;
}

/*
 * Keep this session's next statement (it holds a password) out of the
 * general query log. MariaDB writes CHANGE MASTER there verbatim; MySQL
 * rewrites the password, but needs no exception. *done tells whether
 * sql_log_off was set. When the account may not set it, going on is only
 * safe while the general log is off: GEOHA_E_UNSAFE otherwise.
 */
static int
log_off(struct geoha_sql *c, bool *done)
{
    char *on = NULL;
    int rc;

    *done = false;
    if (run(c, "SET SESSION sql_log_off=ON", NULL) == 0) {
        *done = true;
        return 0;
    }
    rc = geoha_sql_query_value(c, "SELECT @@global.general_log", &on);
    if (rc == 0 && on != NULL && strcmp(on, "0") == 0) {
        free(on);
        return 0;
    }
    free(on);
    c->err_no = 0;
    geoha_snprintf(c->err, sizeof(c->err),
                   "the general query log is on and this account may not "
                   "set sql_log_off: the replication password would be "
                   "logged");
    return GEOHA_E_UNSAFE;
}

/*
 * issue 17 item 1: a replication option file that configures TLS gives a
 * replica that uses TLS and verifies its source's certificate and name
 * (MASTER_SSL_VERIFY_SERVER_CERT=1; the name is MASTER_HOST), whatever its
 * ssl-verify-server-cert line says (see tls_options()). The paths are the
 * replica server's: the file lives on its host.
 */
static int
change_source_tls(struct geoha_buf *b, const char *pfx,
                  const struct geoha_sql_account *acc, bool nb)
{
    const struct geoha_sql_tls *tls = &acc->tls;
    const char *ca = acc->ssl_ca[0] != '\0' ? acc->ssl_ca : tls->ca;
    const struct {
        const char *word;
        const char *value;
    } paths[] = {
        { "CA", ca },
        { "CAPATH", tls->capath },
        { "CERT", tls->cert },
        { "KEY", tls->key },
        { "CRL", tls->crl },
        { "CRLPATH", tls->crlpath },
        { "CIPHER", tls->cipher },
    };
    int rc = 0;

    if (!tls->configured && ca[0] == '\0') {
        return 0;
    }
    geoha_buf_printf(b, ", %s_SSL=1", pfx);
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]) && rc == 0; i++) {
        if (paths[i].value[0] != '\0') {
            geoha_buf_printf(b, ", %s_SSL_%s=", pfx, paths[i].word);
            rc = geoha_sql_quote(b, paths[i].value, nb);
        }
    }
    geoha_buf_printf(b, ", %s_SSL_VERIFY_SERVER_CERT=1", pfx);
    return rc;
}

int
geoha_sql_change_source(struct geoha_sql *c, const struct geoha_sql_source *src)
{
    struct geoha_buf b;
    bool logged_off = false;
    bool nb;
    bool mysql_new;
    const char *pfx;
    int rc;

    if (c == NULL || src == NULL || src->host == NULL || src->account == NULL
        || src->port <= 0 || src->port > 65535 || src->connect_retry_s < 0
        || src->heartbeat_s < 0 || src->heartbeat_s > 4294967) {
        return -EINVAL;
    }
    nb = no_backslash(c);
    mysql_new = new_syntax(c);
    pfx = mysql_new ? "SOURCE" : "MASTER";
    geoha_buf_init(&b, 16384);
    geoha_buf_printf(&b, "%s TO %s_HOST=",
                     mysql_new ? "CHANGE REPLICATION SOURCE" : "CHANGE MASTER",
                     pfx);
    rc = geoha_sql_quote(&b, src->host, nb);
    geoha_buf_printf(&b, ", %s_PORT=%d, %s_USER=", pfx, src->port, pfx);
    if (rc == 0) {
        rc = geoha_sql_quote(&b, src->account->user, nb);
    }
    geoha_buf_printf(&b, ", %s_PASSWORD=", pfx);
    if (rc == 0) {
        rc = geoha_sql_quote(&b, src->account->password, nb);
    }
    if (src->connect_retry_s > 0) {
        geoha_buf_printf(&b, ", %s_CONNECT_RETRY=%d", pfx,
                         src->connect_retry_s);
    }
    if (src->heartbeat_s > 0) {
        geoha_buf_printf(&b, ", %s_HEARTBEAT_PERIOD=%d", pfx, src->heartbeat_s);
    }
    if (rc == 0) {
        rc = change_source_tls(&b, pfx, src->account, nb);
    }
    if (c->flavour == GEOHA_SQL_MARIADB) {
        geoha_buf_puts(&b, ", MASTER_USE_GTID=slave_pos");
    } else {
        geoha_buf_printf(&b, ", %s_AUTO_POSITION=1", pfx);
        if (c->version >= 80000) {
            /* caching_sha2_password without TLS needs the server's key */
            geoha_buf_printf(&b, ", GET_%s_PUBLIC_KEY=1", pfx);
        }
    }
    if (rc == 0) {
        rc = b.error;
    }
    if (rc == 0) {
        rc = log_off(c, &logged_off);
    }
    if (rc == 0) {
        rc = geoha_sql_exec(c, b.data);
    }
    if (logged_off) {
        /* the agent's other statements are logged as usual; the error
         * reported stays the one of CHANGE ... TO */
        unsigned err_no = c->err_no;
        char err[GEOHA_SQL_ERROR_MAX];

        geoha_strlcpy(err, c->err, sizeof(err));
        run(c, "SET SESSION sql_log_off=OFF", NULL);
        c->err_no = err_no;
        geoha_strlcpy(c->err, err, sizeof(c->err));
    }
    if (b.data != NULL) {
        explicit_bzero(b.data, b.cap);
    }
    geoha_buf_clear(&b);
    return rc;
}

int
geoha_sql_replica_heartbeats(struct geoha_sql *c, unsigned long long *out)
{
    const char *q =
        c != NULL && c->flavour == GEOHA_SQL_MARIADB
            ? "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
              "WHERE VARIABLE_NAME='SLAVE_RECEIVED_HEARTBEATS'"
            : "SELECT COUNT_RECEIVED_HEARTBEATS FROM performance_schema."
              "replication_connection_status WHERE CHANNEL_NAME=''";
    char *v = NULL;
    long long n;
    int rc;

    if (c == NULL || out == NULL) {
        return -EINVAL;
    }
    rc = geoha_sql_query_value(c, q, &v);
    if (rc == 0 && (v == NULL || geoha_parse_ll(v, 0, INT64_MAX, &n) != 0)) {
        rc = GEOHA_E_PROTOCOL;
    }
    free(v);
    if (rc == 0) {
        *out = (unsigned long long)n;
    }
    return rc;
}

static const char *
replica_word(const struct geoha_sql *c)
{
    if ((c->flavour == GEOHA_SQL_MARIADB && c->version >= 100501)
        || (c->flavour == GEOHA_SQL_MYSQL && c->version >= 80022)) {
        return "REPLICA";
    }
    return "SLAVE";
}

static int
exec2(struct geoha_sql *c, const char *verb, const char *tail)
{
    char stmt[64];
    int rc;

    if (c == NULL) {
        return -EINVAL;
    }
    rc = geoha_snprintf(stmt, sizeof(stmt), "%s %s%s", verb, replica_word(c),
                        tail);
    return rc != 0 ? rc : geoha_sql_exec(c, stmt);
}

int
geoha_sql_replica_start(struct geoha_sql *c)
{
    return exec2(c, "START", "");
}

int
geoha_sql_replica_stop(struct geoha_sql *c)
{
    return exec2(c, "STOP", "");
}

int
geoha_sql_replica_reset(struct geoha_sql *c)
{
    return exec2(c, "RESET", " ALL");
}

/* Parse pos and give back its canonical text: a validated GTID set. */
static int
canonical(const char *pos, enum geoha_gtid_flavour f, char **out)
{
    struct geoha_gtid_set *s = NULL;
    int rc = geoha_gtid_set_parse(pos, f, &s);

    if (rc == 0) {
        rc = geoha_gtid_set_format(s, out);
    }
    geoha_gtid_set_free(s);
    return rc;
}

int
geoha_sql_set_slave_pos(struct geoha_sql *c, const char *pos)
{
    struct geoha_buf b;
    char *canon = NULL;
    int rc;

    if (c == NULL || pos == NULL || c->flavour != GEOHA_SQL_MARIADB) {
        return -EINVAL;
    }
    rc = canonical(pos, GEOHA_GTID_MARIADB, &canon);
    if (rc != 0) {
        return rc;
    }
    geoha_buf_init(&b, 0);
    geoha_buf_puts(&b, "SET GLOBAL gtid_slave_pos=");
    rc = geoha_sql_quote(&b, canon, no_backslash(c));
    if (rc == 0) {
        rc = b.error;
    }
    if (rc == 0) {
        rc = geoha_sql_exec(c, b.data);
    }
    geoha_buf_clear(&b);
    free(canon);
    return rc;
}

int
geoha_sql_wait_gtid(struct geoha_sql *c, const char *pos, int64_t timeout_ms)
{
    struct geoha_buf b;
    char *canon = NULL, *v = NULL;
    bool maria;
    int rc;

    if (c == NULL || pos == NULL || timeout_ms < 0) {
        return -EINVAL;
    }
    maria = c->flavour == GEOHA_SQL_MARIADB;
    rc = canonical(pos, maria ? GEOHA_GTID_MARIADB : GEOHA_GTID_MYSQL, &canon);
    if (rc != 0) {
        return rc;
    }
    geoha_buf_init(&b, 0);
    geoha_buf_puts(&b, maria ? "SELECT MASTER_GTID_WAIT("
                             : "SELECT WAIT_FOR_EXECUTED_GTID_SET(");
    rc = geoha_sql_quote(&b, canon, no_backslash(c));
    geoha_buf_printf(&b, ", %lld.%03lld)", (long long)(timeout_ms / 1000),
                     (long long)(timeout_ms % 1000));
    if (rc == 0) {
        rc = b.error;
    }
    if (rc == 0) {
        rc = geoha_sql_query_value(c, b.data, &v);
    }
    if (rc == 0) {
        /* MariaDB: 0 reached, -1 timeout; MySQL: 0 reached, 1 timeout */
        if (v != NULL && strcmp(v, "0") == 0) {
            rc = 0;
        } else if (v != NULL && (strcmp(v, "-1") == 0 || strcmp(v, "1") == 0)) {
            rc = GEOHA_E_DEADLINE;
        } else {
            rc = GEOHA_E_PROTOCOL;
        }
    }
    free(v);
    free(canon);
    geoha_buf_clear(&b);
    return rc;
}

int
geoha_sql_wait_writes_done(struct geoha_sql *c, const struct geoha_deadline *d,
                           unsigned *open)
{
    long long n = 0;
    int rc;

    if (c == NULL || d == NULL) {
        return -EINVAL;
    }
    for (;;) {
        char *v = NULL;

        rc = geoha_sql_query_value(
            c,
            "SELECT COUNT(*) FROM information_schema.innodb_trx "
            "WHERE trx_mysql_thread_id <> CONNECTION_ID() "
            "AND trx_rows_modified > 0",
            &v);
        if (rc == 0
            && (v == NULL || geoha_parse_ll(v, 0, INT32_MAX, &n) != 0)) {
            rc = GEOHA_E_PROTOCOL;
        }
        free(v);
        if (rc != 0) {
            return rc;
        }
        if (n == 0) {
            break;
        }
        if (geoha_sleep_ms(d, WRITES_POLL_MS) != 0) {
            rc = GEOHA_E_DEADLINE;
            break;
        }
    }
    if (open != NULL) {
        *open = (unsigned)n;
    }
    return rc;
}

int
geoha_sql_verify_write(struct geoha_sql *c, const char *node)
{
    struct geoha_sql_status st;
    struct geoha_buf b;
    int rc;

    if (c == NULL || node == NULL) {
        return -EINVAL;
    }
    rc = geoha_sql_status_get(c, &st);
    if (rc != 0) {
        return rc;
    }
    if (st.read_only || st.super_read_only) {
        geoha_sql_status_clear(&st);
        return GEOHA_E_STATE;
    }
    geoha_sql_status_clear(&st);
    rc = geoha_sql_exec(c, "CREATE DATABASE IF NOT EXISTS geoha");
    if (rc == 0) {
        rc = geoha_sql_exec(c, "CREATE TABLE IF NOT EXISTS geoha.writer_check "
                               "(id TINYINT PRIMARY KEY, node VARCHAR(64) "
                               "NOT NULL, at DATETIME(6) NOT NULL) "
                               "ENGINE=InnoDB");
    }
    if (rc != 0) {
        return rc;
    }
    geoha_buf_init(&b, 0);
    geoha_buf_puts(&b, "REPLACE INTO geoha.writer_check VALUES (1, ");
    rc = geoha_sql_quote(&b, node, no_backslash(c));
    geoha_buf_puts(&b, ", NOW(6))");
    if (rc == 0) {
        rc = b.error;
    }
    if (rc == 0) {
        rc = geoha_sql_exec(c, b.data);
    }
    geoha_buf_clear(&b);
    return rc;
}

/* ---- semi-synchronous replication ---- */

void
geoha_sql_semisync_init(struct geoha_sql_semisync *s)
{
    if (s == NULL) {
        return;
    }
    memset(s, 0, sizeof(*s));
    s->timeout_ms = -1;
    s->clients = -1;
    s->waiting = -1;
}

/* ON/OFF, 1/0 as SHOW prints them. */
static int
onoff(const char *v, bool *out)
{
    if (v == NULL) {
        return GEOHA_E_PROTOCOL;
    }
    if (geoha_streq_ci(v, "ON") || strcmp(v, "1") == 0) {
        *out = true;
        return 0;
    }
    if (geoha_streq_ci(v, "OFF") || strcmp(v, "0") == 0) {
        *out = false;
        return 0;
    }
    return GEOHA_E_PROTOCOL;
}

static int
count_of(const char *v, long long *out)
{
    return v != NULL && geoha_parse_ll(v, 0, INT64_MAX, out) == 0
               ? 0
               : GEOHA_E_PROTOCOL;
}

/* The rest of name after prefix, compared without case; NULL if none. */
static const char *
after_ci(const char *name, const char *prefix)
{
    size_t n = strlen(prefix);

    for (size_t i = 0; i < n; i++) {
        if (tolower((unsigned char)name[i]) != prefix[i]) {
            return NULL; /* also stops at name's end */
        }
    }
    return name + n;
}

int
geoha_sql_semisync_add(struct geoha_sql_semisync *s, const char *name,
                       const char *value)
{
    const char *k, *role = NULL;
    bool source = false;

    if (s == NULL || name == NULL) {
        return -EINVAL;
    }
    k = after_ci(name, "rpl_semi_sync_");
    if (k == NULL) {
        return 0;
    }
    if (after_ci(k, "master_") != NULL) {
        role = "master", source = true;
    } else if (after_ci(k, "source_") != NULL) {
        role = "source", source = true;
    } else if (after_ci(k, "slave_") != NULL) {
        role = "slave";
    } else if (after_ci(k, "replica_") != NULL) {
        role = "replica";
    } else {
        return 0;
    }
    k += strlen(role) + 1;
    if (source) {
        /* every variable or status of the writer side says it is there */
        s->source_available = true;
        geoha_strlcpy(s->source_word, role, sizeof(s->source_word));
        if (geoha_streq_ci(k, "enabled")) {
            return onoff(value, &s->source_enabled);
        }
        if (geoha_streq_ci(k, "status")) {
            return onoff(value, &s->source_active);
        }
        if (geoha_streq_ci(k, "wait_no_slave")
            || geoha_streq_ci(k, "wait_no_replica")) {
            return onoff(value, &s->wait_no_replica);
        }
        if (geoha_streq_ci(k, "timeout")) {
            return count_of(value, &s->timeout_ms);
        }
        if (geoha_streq_ci(k, "clients")) {
            return count_of(value, &s->clients);
        }
        if (geoha_streq_ci(k, "wait_sessions")) {
            return count_of(value, &s->waiting);
        }
        if (geoha_streq_ci(k, "wait_point")) {
            if (geoha_streq_ci(value, "AFTER_SYNC")) {
                geoha_strlcpy(s->wait_point, "AFTER_SYNC",
                              sizeof(s->wait_point));
            } else if (geoha_streq_ci(value, "AFTER_COMMIT")) {
                geoha_strlcpy(s->wait_point, "AFTER_COMMIT",
                              sizeof(s->wait_point));
            } else {
                return GEOHA_E_PROTOCOL;
            }
            return 0;
        }
        return 0;
    }
    s->replica_available = true;
    geoha_strlcpy(s->replica_word, role, sizeof(s->replica_word));
    if (geoha_streq_ci(k, "enabled")) {
        return onoff(value, &s->replica_enabled);
    }
    if (geoha_streq_ci(k, "status")) {
        return onoff(value, &s->replica_active);
    }
    return 0;
}

/* Fold every (name, value) row of a SHOW into s. */
static int
semisync_show(struct geoha_sql *c, const char *stmt,
              struct geoha_sql_semisync *s)
{
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    int rc;

    rc = run(c, stmt, &res);
    if (rc != 0) {
        return rc;
    }
    if (res == NULL || mysql_num_fields(res) != 2) {
        mysql_free_result(res);
        return GEOHA_E_PROTOCOL;
    }
    while (rc == 0 && (row = mysql_fetch_row(res)) != NULL) {
        rc = geoha_sql_semisync_add(s, row[0] != NULL ? row[0] : "", row[1]);
    }
    mysql_free_result(res);
    return rc;
}

int
geoha_sql_semisync_get(struct geoha_sql *c, struct geoha_sql_semisync *out)
{
    struct geoha_sql_semisync s;
    int rc;

    if (c == NULL || out == NULL) {
        return -EINVAL;
    }
    geoha_sql_semisync_init(&s);
    rc = semisync_show(c, "SHOW GLOBAL VARIABLES LIKE 'rpl_semi_sync%'", &s);
    if (rc == 0) {
        rc = semisync_show(c, "SHOW GLOBAL STATUS LIKE 'rpl_semi_sync%'", &s);
    }
    if (rc != 0) {
        return rc;
    }
    *out = s;
    return 0;
}

#define SEMISYNC_TIMEOUT_MAX_MS (366LL * 24 * 3600 * 1000)

int
geoha_sql_semisync_source_stmt(const struct geoha_sql_semisync *s, bool on,
                               int64_t timeout_ms, struct geoha_buf *b)
{
    const char *w;

    if (s == NULL || b == NULL) {
        return -EINVAL;
    }
    if (!s->source_available || s->source_word[0] == '\0') {
        return GEOHA_E_NOT_INSTALLED;
    }
    w = s->source_word;
    if (!on) {
        geoha_buf_printf(b, "SET GLOBAL rpl_semi_sync_%s_enabled=OFF", w);
        return b->error;
    }
    if (timeout_ms < 1 || timeout_ms > SEMISYNC_TIMEOUT_MAX_MS) {
        return -EINVAL;
    }
    geoha_buf_printf(b,
                     "SET GLOBAL rpl_semi_sync_%s_wait_point=AFTER_SYNC, "
                     "rpl_semi_sync_%s_wait_no_%s=ON, "
                     "rpl_semi_sync_%s_timeout=%lld, "
                     "rpl_semi_sync_%s_enabled=ON",
                     w, w, strcmp(w, "source") == 0 ? "replica" : "slave", w,
                     (long long)timeout_ms, w);
    return b->error;
}

int
geoha_sql_semisync_set_source(struct geoha_sql *c,
                              const struct geoha_sql_semisync *s, bool on,
                              int64_t timeout_ms)
{
    struct geoha_buf b;
    int rc;

    if (c == NULL) {
        return -EINVAL;
    }
    geoha_buf_init(&b, 1024);
    rc = geoha_sql_semisync_source_stmt(s, on, timeout_ms, &b);
    if (rc == 0) {
        rc = geoha_sql_exec(c, b.data);
    }
    geoha_buf_clear(&b);
    return rc;
}

int
geoha_sql_semisync_set_replica(struct geoha_sql *c,
                               const struct geoha_sql_semisync *s, bool on,
                               bool restart_io)
{
    struct geoha_sql_replica r = { 0 };
    struct geoha_sql_semisync now;
    char stmt[96];
    int rc;

    if (c == NULL || s == NULL) {
        return -EINVAL;
    }
    if (!s->replica_available || s->replica_word[0] == '\0') {
        return GEOHA_E_NOT_INSTALLED;
    }
    if (s->replica_enabled != on) {
        rc = geoha_snprintf(stmt, sizeof(stmt),
                            "SET GLOBAL rpl_semi_sync_%s_enabled=%s",
                            s->replica_word, on ? "ON" : "OFF");
        if (rc == 0) {
            rc = geoha_sql_exec(c, stmt);
        }
        if (rc != 0) {
            return rc;
        }
    }
    if (!restart_io) {
        return 0;
    }
    rc = geoha_sql_semisync_get(c, &now);
    if (rc == 0) {
        rc = geoha_sql_replica_status(c, &r);
    }
    if (rc != 0 || !r.configured || r.io == GEOHA_SQL_THREAD_NO
        || now.replica_active == on) {
        geoha_sql_replica_clear(&r);
        return rc;
    }
    geoha_sql_replica_clear(&r);
    rc = exec2(c, "STOP", " IO_THREAD");
    if (rc == 0) {
        rc = exec2(c, "START", " IO_THREAD");
    }
    return rc;
}

#define KILL_MAX 4096

int
geoha_sql_semisync_kill_waiters(struct geoha_sql *c, unsigned *killed)
{
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    unsigned long long ids[64];
    unsigned n = 0, total = 0;
    int rc;

    if (c == NULL) {
        return -EINVAL;
    }
    /*
     * In rounds of at most 64: the result is freed before any KILL. While
     * a commit waits for an acknowledgement, the other sessions running a
     * statement go first (every account but ours and the server's own
     * threads): with binary log group commit only the group's leader
     * waits in the semi-sync state, and the commits grouped behind it
     * (measured in the cluster suite's cut-semi-sync) complete with an OK
     * the moment the leader is released, killed or not. Then the waiters.
     */
    do {
        n = 0;
        rc = run(c,
                 "SELECT ID FROM information_schema.PROCESSLIST "
                 "WHERE ID <> CONNECTION_ID() "
                 "AND EXISTS (SELECT 1 FROM information_schema.PROCESSLIST "
                 "WHERE STATE LIKE 'Waiting for semi-sync ACK%') "
                 "AND (STATE LIKE 'Waiting for semi-sync ACK%' "
                 "OR (COMMAND IN ('Query', 'Execute') "
                 "AND USER NOT IN ('system user', 'event_scheduler', "
                 "SUBSTRING_INDEX(USER(), '@', 1)))) "
                 "ORDER BY STATE LIKE 'Waiting for semi-sync ACK%' LIMIT 64",
                 &res);
        if (rc != 0) {
            break;
        }
        while (res != NULL && (row = mysql_fetch_row(res)) != NULL && n < 64) {
            long long id;

            if (row[0] != NULL
                && geoha_parse_ll(row[0], 1, INT64_MAX, &id) == 0) {
                ids[n++] = (unsigned long long)id;
            }
        }
        mysql_free_result(res);
        res = NULL;
        for (unsigned i = 0; i < n && rc == 0; i++) {
            char stmt[64];

            geoha_snprintf(stmt, sizeof(stmt), "KILL CONNECTION %llu", ids[i]);
            rc = geoha_sql_exec(c, stmt);
            if (rc == GEOHA_E_REMOTE && c->err_no == ER_NO_SUCH_THREAD) {
                rc = 0; /* it ended by itself meanwhile */
            } else if (rc == 0) {
                total++;
            }
        }
    } while (rc == 0 && n > 0 && total < KILL_MAX);
    if (rc == 0 && killed != NULL) {
        *killed = total;
    }
    return rc;
}

enum geoha_sql_origin
geoha_sql_origin_parse(const char *text)
{
    static const char *const dflt[] = { "COMPILE-TIME", "COMPILED", "AUTO",
                                        NULL };
    static const char *const boot[] = {
        "CONFIG", "COMMAND-LINE", "COMMAND_LINE", "ENVIRONMENT", "EXPLICIT",
        "EXTRA",  "GLOBAL",       "SERVER",       "LOGIN",       "PERSISTED",
        NULL
    };
    static const char *const runtime[] = { "SQL", "DYNAMIC", NULL };

    if (text == NULL) {
        return GEOHA_SQL_ORIGIN_UNKNOWN;
    }
    for (size_t i = 0; dflt[i] != NULL; i++) {
        if (geoha_streq_ci(text, dflt[i])) {
            return GEOHA_SQL_ORIGIN_DEFAULT;
        }
    }
    for (size_t i = 0; boot[i] != NULL; i++) {
        if (geoha_streq_ci(text, boot[i])) {
            return GEOHA_SQL_ORIGIN_BOOT;
        }
    }
    for (size_t i = 0; runtime[i] != NULL; i++) {
        if (geoha_streq_ci(text, runtime[i])) {
            return GEOHA_SQL_ORIGIN_RUNTIME;
        }
    }
    return GEOHA_SQL_ORIGIN_UNKNOWN;
}

int
geoha_sql_read_only_origin(struct geoha_sql *c, enum geoha_sql_origin *out)
{
    char *v = NULL;
    int rc;

    if (c == NULL || out == NULL) {
        return -EINVAL;
    }
    rc = geoha_sql_query_value(
        c,
        c->flavour == GEOHA_SQL_MARIADB
            ? "SELECT GLOBAL_VALUE_ORIGIN FROM "
              "information_schema.SYSTEM_VARIABLES "
              "WHERE VARIABLE_NAME='READ_ONLY'"
            : "SELECT VARIABLE_SOURCE FROM performance_schema.variables_info "
              "WHERE VARIABLE_NAME='read_only'",
        &v);
    if (rc == GEOHA_E_REMOTE || rc == -ENOENT) {
        /* performance_schema off, or an older server: cannot tell */
        *out = GEOHA_SQL_ORIGIN_UNKNOWN;
        free(v);
        return 0;
    }
    if (rc == 0) {
        *out = geoha_sql_origin_parse(v);
    }
    free(v);
    return rc;
}
