/* geoha: PHP string literals and comments for generated PHP source. */
#include <errno.h>
#include <string.h>

#include "geoha/php.h"

int
geoha_php_quote_n(struct geoha_buf *b, const char *s, size_t len)
{
    size_t start;
    size_t run = 0; /* bytes copied as they are, not yet appended */
    int rc;

    if (b == NULL || (s == NULL && len > 0)) {
        return -EINVAL;
    }
    if (len > 0 && memchr(s, '\0', len) != NULL) {
        return -EINVAL;
    }
    start = b->len;
    rc = geoha_buf_append(b, "'", 1);
    for (size_t i = 0; i < len && rc == 0; i++) {
        if (s[i] != '\\' && s[i] != '\'') {
            run++;
            continue;
        }
        rc = geoha_buf_append(b, s + i - run, run);
        run = 0;
        if (rc == 0) {
            rc = geoha_buf_append(b, s[i] == '\\' ? "\\\\" : "\\'", 2);
        }
    }
    if (rc == 0 && run > 0) { /* s may be NULL when len is 0 */
        rc = geoha_buf_append(b, s + len - run, run);
    }
    if (rc == 0) {
        rc = geoha_buf_append(b, "'", 1);
    }
    if (rc != 0 && b->data != NULL && start <= b->len) {
        b->len = start;
        b->data[start] = '\0';
    }
    return rc;
}

int
geoha_php_quote(struct geoha_buf *b, const char *s)
{
    if (s == NULL) {
        return -EINVAL;
    }
    return geoha_php_quote_n(b, s, strlen(s));
}

int
geoha_php_comment(struct geoha_buf *b, const char *text)
{
    unsigned char prev = (unsigned char)' ';
    int rc;

    if (b == NULL || text == NULL) {
        return -EINVAL;
    }
    rc = geoha_buf_append(b, "// ", 3);
    for (const char *p = text; *p != '\0' && rc == 0; p++) {
        unsigned char c = (unsigned char)*p;

        /* Printable ASCII only; and never "?>", which ends PHP mode even
         * inside a // comment. */
        if (c < 0x20 || c > 0x7e) {
            c = '?';
        } else if (c == '>' && prev == '?') {
            c = '_';
        }
        rc = geoha_buf_append(b, (const char *)&c, 1);
        prev = c;
    }
    if (rc == 0) {
        rc = geoha_buf_append(b, "\n", 1);
    }
    return rc;
}
