/*
 * Fuzz target: PHP literals and comments (lib/php.c), which carry values
 * from parameters and option files into Drupal's generated settings.
 *
 * Checks: a NUL byte is refused; otherwise the literal is '...' in which
 * every quote and backslash is escaped (so no quote ends it early) and
 * decoding it by PHP's rules for single-quoted strings gives the input
 * back. A buffer too small for the literal keeps its old contents. A
 * comment is one line of printable ASCII without "?>". The PHP
 * interpreter itself checks the same literals in the suite's slow step
 * (php_literal.c), outside the fuzz loop.
 */
#include <errno.h>

#include "geoha/php.h"
#include "geoha/util.h"

#include "fuzz.h"

#define PREFIX "$x = "

/* Decode a PHP single-quoted literal of len bytes (quotes included). */
static void
check_literal(const char *lit, size_t len, const uint8_t *data, size_t size)
{
    size_t o = 0;

    FUZZ_CHECK(len >= 2 && lit[0] == '\'' && lit[len - 1] == '\'');
    for (size_t i = 1; i < len - 1; i++) {
        char c = lit[i];

        /* an unescaped quote would end the literal here */
        FUZZ_CHECK(c != '\'');
        if (c == '\\') {
            /* geoha escapes every backslash, so one always pairs up */
            FUZZ_CHECK(i + 1 < len - 1);
            c = lit[++i];
            FUZZ_CHECK(c == '\\' || c == '\'');
        }
        FUZZ_CHECK(o < size && (uint8_t)c == data[o]);
        o++;
    }
    FUZZ_CHECK(o == size);
}

static void
check_comment(const char *text)
{
    struct geoha_buf b;
    size_t n;

    geoha_buf_init(&b, 0);
    FUZZ_CHECK(geoha_php_comment(&b, text) == 0);
    n = b.len;
    FUZZ_CHECK(n >= 4 && strncmp(b.data, "// ", 3) == 0);
    FUZZ_CHECK(b.data[n - 1] == '\n');
    b.data[n - 1] = '\0';
    FUZZ_CHECK(fuzz_printable(b.data));
    FUZZ_CHECK(strstr(b.data, "?>") == NULL);
    FUZZ_CHECK(n - 4 == strlen(text));
    geoha_buf_clear(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct geoha_buf b;
    size_t escapes = 0;
    int rc;

    for (size_t i = 0; i < size; i++) {
        escapes += data[i] == '\\' || data[i] == '\'';
    }
    geoha_buf_init(&b, 0);
    geoha_buf_puts(&b, PREFIX);
    rc = geoha_php_quote_n(&b, size > 0 ? s : NULL, size);
    if (memchr(data, '\0', size) != NULL) {
        FUZZ_CHECK(rc == -EINVAL);
        FUZZ_CHECK(b.len == strlen(PREFIX));
    } else {
        FUZZ_CHECK(rc == 0);
        FUZZ_CHECK(b.len == strlen(PREFIX) + size + escapes + 2);
        check_literal(b.data + strlen(PREFIX), b.len - strlen(PREFIX), data,
                      size);
    }
    geoha_buf_clear(&b);

    /* a buffer that cannot hold the literal keeps what it had */
    if (rc == 0 && size > 0) {
        size_t room = strlen(PREFIX) + 1 + (data[0] % (size + escapes + 2));

        geoha_buf_init(&b, room);
        FUZZ_CHECK(geoha_buf_puts(&b, PREFIX) == 0);
        rc = geoha_php_quote_n(&b, s, size);
        FUZZ_CHECK(rc == GEOHA_E_TOOBIG);
        FUZZ_CHECK(b.len == strlen(PREFIX) && strcmp(b.data, PREFIX) == 0);
        geoha_buf_clear(&b);
    }

    {
        char *text = fuzz_str(data, size);

        check_comment(text);
        free(text);
    }
    return 0;
}
