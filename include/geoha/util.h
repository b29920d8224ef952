/*
 * geoha: checked numbers, bounded strings, errors, clocks and deadlines.
 *
 * Every function here returns 0 on success or a negative errno / negative
 * geoha code (see geoha_strerror()) on failure; output parameters are
 * written only on success.
 */
#ifndef GEOHA_UTIL_H
#define GEOHA_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* geoha's own error codes, all below -1000 so they never clash with errno. */
enum geoha_error {
    GEOHA_E_BASE = -1000,
    GEOHA_E_CONFIG = -1001,        /* a parameter is missing or invalid */
    GEOHA_E_INSECURE = -1002,      /* a secret file others can read */
    GEOHA_E_PROTOCOL = -1003,      /* a peer answered something unexpected */
    GEOHA_E_DEADLINE = -1004,      /* the operation deadline was reached */
    GEOHA_E_NOT_RUNNING = -1005,   /* the managed service is not running */
    GEOHA_E_STATE = -1006,         /* the service is in the wrong state */
    GEOHA_E_UNSAFE = -1007,        /* refused: doing it could break S1-S5 */
    GEOHA_E_DIVERGED = -1008,      /* errant transactions / diverged data */
    GEOHA_E_REMOTE = -1009,        /* a remote API returned an error */
    GEOHA_E_TOOBIG = -1010,        /* input larger than its maximum */
    GEOHA_E_PARSE = -1011,         /* input could not be parsed */
    GEOHA_E_NOT_INSTALLED = -1012, /* a required program/library missing */
    GEOHA_E_AUTH = -1013,          /* credentials refused */
    GEOHA_E_NOT_FOUND = -1014,     /* remote resource does not exist */
    GEOHA_E_THROTTLED = -1015,     /* remote API throttled us past deadline */
    GEOHA_E_LAST = -1016,
};

/* A human-readable text for a result code (never NULL, never freed). */
const char *geoha_strerror(int rc);

/*
 * Parse a whole decimal integer in [min, max]. Leading/trailing spaces,
 * empty strings, trailing garbage and overflow are errors (-EINVAL /
 * -ERANGE).
 */
int geoha_parse_ll(const char *s, long long min, long long max, long long *out);

/*
 * Parse a boolean as Pacemaker spells it: true/false, yes/no, on/off,
 * y/n, 1/0 (case-insensitive). -EINVAL otherwise.
 */
int geoha_parse_bool(const char *s, bool *out);

/*
 * Copy src into dst (size bytes). -ENOSPC if it does not fit (dst is then
 * left as an empty string), -EINVAL for NULL arguments.
 */
int geoha_strlcpy(char *dst, const char *src, size_t size);

/* snprintf that returns 0, or -ENOSPC when the output was truncated. */
int geoha_snprintf(char *dst, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Case-insensitive equality that accepts NULL (NULL equals only NULL). */
bool geoha_streq_ci(const char *a, const char *b);

/* Equality that accepts NULL (NULL equals only NULL). */
bool geoha_streq(const char *a, const char *b);

/* Trim ASCII white space at both ends in place; returns s. */
char *geoha_strtrim(char *s);

/*
 * Length of the valid UTF-8 character at s (1-4), or 0 when the bytes at s
 * are not one: a stray continuation byte, an overlong form, a surrogate, a
 * code point above U+10FFFF, or a sequence cut short.
 */
size_t geoha_utf8_len(const char *s);

/*
 * Copy src into dst (size bytes) with every control character (C0, DEL and
 * the C1 range) and every byte that is not part of valid UTF-8 written as
 * \xNN, so text from parameters or peers cannot add lines or raw bytes to
 * syslog or the CIB. Other text, backslashes included, is kept as it is.
 * Cuts only between characters; -ENOSPC when the result was cut short
 * (dst then holds what fitted), -EINVAL for NULL arguments.
 */
int geoha_escape_text(char *dst, size_t size, const char *src);

/* A growable string with a hard maximum size (including the NUL). */
struct geoha_buf {
    char *data; /* always NUL-terminated once anything is appended */
    size_t len;
    size_t cap;
    size_t max; /* 0 means GEOHA_BUF_DEFAULT_MAX */
    int error;  /* first error seen by an append, sticky */
};
#define GEOHA_BUF_DEFAULT_MAX (4u * 1024u * 1024u)

void geoha_buf_init(struct geoha_buf *b, size_t max);
void geoha_buf_clear(struct geoha_buf *b);
/* Appends; on failure the buffer keeps its old contents and b->error. */
int geoha_buf_append(struct geoha_buf *b, const char *data, size_t len);
int geoha_buf_puts(struct geoha_buf *b, const char *s);
int geoha_buf_printf(struct geoha_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Append s with &, <, >, " and ' escaped for XML text and attributes. */
int geoha_buf_xml_escape(struct geoha_buf *b, const char *s);
/* Take ownership of the string (caller frees); the buffer is reset. */
char *geoha_buf_steal(struct geoha_buf *b);

/* Monotonic and wall clocks in milliseconds. */
int64_t geoha_now_ms(void);
int64_t geoha_wall_ms(void);

/*
 * An operation deadline on the monotonic clock. Every wait and retry in
 * geoha is bounded by one.
 */
struct geoha_deadline {
    int64_t end_ms; /* monotonic; INT64_MAX means none */
};

/* A deadline timeout_ms from now (timeout_ms <= 0: already expired). */
void geoha_deadline_init(struct geoha_deadline *d, int64_t timeout_ms);
/* Milliseconds left, never negative. */
int64_t geoha_deadline_left_ms(const struct geoha_deadline *d);
bool geoha_deadline_expired(const struct geoha_deadline *d);
/* The earlier of d and now + ms. */
struct geoha_deadline geoha_deadline_min(const struct geoha_deadline *d,
                                         int64_t ms);
/*
 * Sleep ms, but never past the deadline. Returns 0 after a full sleep,
 * GEOHA_E_DEADLINE when the deadline cut it short (it still sleeps up to
 * the deadline).
 */
int geoha_sleep_ms(const struct geoha_deadline *d, int64_t ms);

#endif /* GEOHA_UTIL_H */
