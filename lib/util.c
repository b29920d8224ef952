/* geoha: checked numbers, bounded strings, errors, clocks and deadlines. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "geoha/util.h"

static const char *const geoha_errors[] = {
    [0] = "geoha error",
    [1] = "invalid configuration",
    [2] = "secret file is readable by others or not owned by root",
    [3] = "unexpected answer from peer",
    [4] = "operation deadline reached",
    [5] = "service is not running",
    [6] = "service is in the wrong state",
    [7] = "refused as unsafe",
    [8] = "data has diverged",
    [9] = "remote API returned an error",
    [10] = "input is larger than its maximum",
    [11] = "input could not be parsed",
    [12] = "required program or library is not installed",
    [13] = "credentials were refused",
    [14] = "remote resource does not exist",
    [15] = "remote API throttled the request",
};

const char *
geoha_strerror(int rc)
{
    if (rc == 0) {
        return "success";
    }
    if (rc <= GEOHA_E_BASE) {
        return (rc > GEOHA_E_LAST) ? geoha_errors[GEOHA_E_BASE - rc]
                                   : "unknown error";
    }
    if (rc < 0 && rc > -4096) {
        return strerror(-rc);
    }
    return "unknown error";
}

int
geoha_parse_ll(const char *s, long long min, long long max, long long *out)
{
    char *end = NULL;
    long long v;

    if (s == NULL || out == NULL || *s == '\0' || isspace((unsigned char)*s)) {
        return -EINVAL;
    }
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno == ERANGE) {
        return -ERANGE;
    }
    if (errno != 0 || end == s || *end != '\0') {
        return -EINVAL;
    }
    if (v < min || v > max) {
        return -ERANGE;
    }
    *out = v;
    return 0;
}

int
geoha_parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = { "true", "yes", "on", "y", "1" };
    static const char *const no[] = { "false", "no", "off", "n", "0" };

    if (s == NULL || out == NULL) {
        return -EINVAL;
    }
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -EINVAL;
}

int
geoha_strlcpy(char *dst, const char *src, size_t size)
{
    size_t len;

    if (dst == NULL || src == NULL || size == 0) {
        return -EINVAL;
    }
    len = strlen(src);
    if (len >= size) {
        dst[0] = '\0';
        return -ENOSPC;
    }
    memcpy(dst, src, len + 1);
    return 0;
}

int
geoha_snprintf(char *dst, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (dst == NULL || size == 0 || fmt == NULL) {
        return -EINVAL;
    }
    va_start(ap, fmt);
    n = vsnprintf(dst, size, fmt, ap);
    va_end(ap);
    if (n < 0) {
        dst[0] = '\0';
        return -EINVAL;
    }
    if ((size_t)n >= size) {
        return -ENOSPC;
    }
    return 0;
}

bool
geoha_streq_ci(const char *a, const char *b)
{
    if (a == NULL || b == NULL) {
        return a == b;
    }
    return strcasecmp(a, b) == 0;
}

bool
geoha_streq(const char *a, const char *b)
{
    if (a == NULL || b == NULL) {
        return a == b;
    }
    return strcmp(a, b) == 0;
}

char *
geoha_strtrim(char *s)
{
    size_t len;
    size_t start = 0;

    if (s == NULL) {
        return NULL;
    }
    len = strlen(s);
    while (len > 0 && isspace((unsigned char)s[len - 1])) {
        s[--len] = '\0';
    }
    while (isspace((unsigned char)s[start])) {
        start++;
    }
    if (start > 0) {
        memmove(s, s + start, len - start + 1);
    }
    return s;
}

void
geoha_buf_init(struct geoha_buf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = (max == 0) ? GEOHA_BUF_DEFAULT_MAX : max;
}

void
geoha_buf_clear(struct geoha_buf *b)
{
    if (b == NULL) {
        return;
    }
    free(b->data);
    geoha_buf_init(b, b->max);
}

int
geoha_buf_append(struct geoha_buf *b, const char *data, size_t len)
{
    size_t need;

    if (b->error != 0) {
        return b->error;
    }
    if (len > b->max || b->len + len + 1 > b->max) {
        b->error = GEOHA_E_TOOBIG;
        return b->error;
    }
    need = b->len + len + 1;
    if (need > b->cap) {
        size_t cap = (b->cap == 0) ? 256 : b->cap;
        char *p;

        while (cap < need) {
            cap *= 2;
        }
        if (cap > b->max) {
            cap = b->max;
        }
        p = realloc(b->data, cap);
        if (p == NULL) {
            b->error = -ENOMEM;
            return b->error;
        }
        b->data = p;
        b->cap = cap;
    }
    if (len > 0) {
        memcpy(b->data + b->len, data, len);
    }
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int
geoha_buf_puts(struct geoha_buf *b, const char *s)
{
    return geoha_buf_append(b, s, strlen(s));
}

int
geoha_buf_printf(struct geoha_buf *b, const char *fmt, ...)
{
    va_list ap;
    char small[512];
    char *big = NULL;
    int n;
    int rc;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->error = (b->error != 0) ? b->error : -EINVAL;
        return -EINVAL;
    }
    if ((size_t)n < sizeof(small)) {
        return geoha_buf_append(b, small, (size_t)n);
    }
    if ((size_t)n >= b->max) {
        b->error = (b->error != 0) ? b->error : GEOHA_E_TOOBIG;
        return GEOHA_E_TOOBIG;
    }
    big = malloc((size_t)n + 1);
    if (big == NULL) {
        b->error = (b->error != 0) ? b->error : -ENOMEM;
        return -ENOMEM;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    rc = geoha_buf_append(b, big, (size_t)n);
    free(big);
    return rc;
}

size_t
geoha_utf8_len(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned char lo = 0x80;
    unsigned char hi = 0xbf;
    size_t n;

    if (u[0] < 0x80) {
        return 1;
    }
    if (u[0] >= 0xc2 && u[0] <= 0xdf) {
        n = 2;
    } else if (u[0] >= 0xe0 && u[0] <= 0xef) {
        n = 3;
        lo = (u[0] == 0xe0) ? 0xa0 : 0x80; /* no overlong forms */
        hi = (u[0] == 0xed) ? 0x9f : 0xbf; /* no surrogates */
    } else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
        n = 4;
        lo = (u[0] == 0xf0) ? 0x90 : 0x80; /* no overlong forms */
        hi = (u[0] == 0xf4) ? 0x8f : 0xbf; /* nothing above U+10FFFF */
    } else {
        return 0;
    }
    if (u[1] < lo || u[1] > hi) {
        return 0;
    }
    for (size_t i = 2; i < n; i++) {
        if (u[i] < 0x80 || u[i] > 0xbf) {
            return 0;
        }
    }
    return n;
}

int
geoha_escape_text(char *dst, size_t size, const char *src)
{
    static const char hex[] = "0123456789abcdef";
    size_t k = 0;

    if (dst == NULL || src == NULL || size == 0) {
        return -EINVAL;
    }
    for (const char *p = src; *p != '\0';) {
        const unsigned char *u = (const unsigned char *)p;
        size_t n = geoha_utf8_len(p);
        /* C0 controls, DEL, and C1 controls (U+0080-U+009F) */
        bool control = (n == 1 && (u[0] < 0x20 || u[0] == 0x7f))
                       || (n == 2 && u[0] == 0xc2 && u[1] < 0xa0);
        size_t out = (n == 0) ? 4 : control ? 4 * n : n;

        if (k + out >= size) {
            dst[k] = '\0';
            return -ENOSPC;
        }
        if (n == 0 || control) {
            size_t m = (n == 0) ? 1 : n;

            for (size_t i = 0; i < m; i++) {
                dst[k++] = '\\';
                dst[k++] = 'x';
                dst[k++] = hex[u[i] >> 4];
                dst[k++] = hex[u[i] & 0xf];
            }
            p += m;
        } else {
            memcpy(dst + k, p, n);
            k += n;
            p += n;
        }
    }
    dst[k] = '\0';
    return 0;
}

int
geoha_buf_xml_escape(struct geoha_buf *b, const char *s)
{
    int rc = 0;

    for (const char *p = s; *p != '\0' && rc == 0; p++) {
        switch (*p) {
        case '&':
            rc = geoha_buf_puts(b, "&amp;");
            break;
        case '<':
            rc = geoha_buf_puts(b, "&lt;");
            break;
        case '>':
            rc = geoha_buf_puts(b, "&gt;");
            break;
        case '"':
            rc = geoha_buf_puts(b, "&quot;");
            break;
        case '\'':
            rc = geoha_buf_puts(b, "&apos;");
            break;
        default:
            rc = geoha_buf_append(b, p, 1);
            break;
        }
    }
    return rc;
}

char *
geoha_buf_steal(struct geoha_buf *b)
{
    char *s = b->data;

    if (s == NULL) {
        s = calloc(1, 1);
    }
    geoha_buf_init(b, b->max);
    return s;
}

static int64_t
clock_ms(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
geoha_now_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

int64_t
geoha_wall_ms(void)
{
    return clock_ms(CLOCK_REALTIME);
}

void
geoha_deadline_init(struct geoha_deadline *d, int64_t timeout_ms)
{
    int64_t now = geoha_now_ms();

    if (timeout_ms <= 0) {
        d->end_ms = now;
    } else if (timeout_ms > INT64_MAX - now) {
        d->end_ms = INT64_MAX;
    } else {
        d->end_ms = now + timeout_ms;
    }
}

int64_t
geoha_deadline_left_ms(const struct geoha_deadline *d)
{
    int64_t now = geoha_now_ms();

    if (d->end_ms == INT64_MAX) {
        return INT64_MAX;
    }
    return (d->end_ms > now) ? d->end_ms - now : 0;
}

bool
geoha_deadline_expired(const struct geoha_deadline *d)
{
    return geoha_deadline_left_ms(d) == 0;
}

struct geoha_deadline
geoha_deadline_min(const struct geoha_deadline *d, int64_t ms)
{
    struct geoha_deadline other;

    geoha_deadline_init(&other, ms);
    if (d != NULL && d->end_ms < other.end_ms) {
        other.end_ms = d->end_ms;
    }
    return other;
}

int
geoha_sleep_ms(const struct geoha_deadline *d, int64_t ms)
{
    int64_t left = (d != NULL) ? geoha_deadline_left_ms(d) : INT64_MAX;
    int64_t span = (ms < left) ? ms : left;
    struct timespec ts;

    if (span > 0) {
        ts.tv_sec = span / 1000;
        ts.tv_nsec = (span % 1000) * 1000000;
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        }
    }
    return (ms <= left) ? 0 : GEOHA_E_DEADLINE;
}
