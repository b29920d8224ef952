/*
 * Fuzz target: MySQL option files (lib/mycnf.c).
 *
 * The input is an option file. Besides fixed lookups ([client] user,
 * password, host...), a first line "#? GROUP KEY" (a comment to the
 * parser) names one more lookup, so seeds can aim anywhere. Checks: the
 * result codes of the contract, values bounded, an error line within
 * the file, '-' and '_' the same in keys, group names case-insensitive.
 *
 * Then the input (up to a NUL) is used as a value: written as
 * password="..." with the escapes the reader documents, it must read back
 * byte for byte.
 */
#include <ctype.h>
#include <errno.h>

#include "geoha/mycnf.h"
#include "geoha/util.h"

#include "fuzz.h"

static size_t
count_lines(const char *text)
{
    size_t n = 0;

    for (const char *p = text; *p != '\0'; p++) {
        n += *p == '\n';
    }
    return n + 1;
}

static int
lookup(const char *text, const char *group, const char *key, char **value)
{
    size_t line = 0;
    int rc;

    *value = NULL;
    rc = geoha_mycnf_get(text, group, key, value, &line);
    if (rc == 0) {
        FUZZ_CHECK(*value != NULL);
        FUZZ_CHECK(strlen(*value) < GEOHA_MYCNF_VALUE_MAX);
        return rc;
    }
    FUZZ_CHECK(*value == NULL);
    FUZZ_CHECK(rc == -ENOENT || rc == GEOHA_E_PARSE || rc == GEOHA_E_TOOBIG);
    if (rc == GEOHA_E_PARSE) {
        FUZZ_CHECK(line >= 1 && line <= count_lines(text));
    }
    return rc;
}

static void
swap_dash(char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '-') {
            *s = '_';
        } else if (*s == '_') {
            *s = '-';
        }
    }
}

static void
upper(char *s)
{
    for (; *s != '\0'; s++) {
        *s = (char)toupper((unsigned char)*s);
    }
}

static void
check_lookup(const char *text, const char *group, const char *key)
{
    char *v1 = NULL, *v2 = NULL, *v3 = NULL;
    char *k2 = strdup(key), *g2 = strdup(group);
    int rc1, rc2, rc3;

    FUZZ_CHECK(k2 != NULL && g2 != NULL);
    rc1 = lookup(text, group, key, &v1);
    swap_dash(k2);
    rc2 = lookup(text, group, k2, &v2);
    FUZZ_CHECK(rc1 == rc2);
    FUZZ_CHECK(rc1 != 0 || strcmp(v1, v2) == 0);
    upper(g2);
    rc3 = lookup(text, g2, key, &v3);
    FUZZ_CHECK(rc1 == rc3);
    FUZZ_CHECK(rc1 != 0 || strcmp(v1, v3) == 0);
    free(v1);
    free(v2);
    free(v3);
    free(k2);
    free(g2);
}

/* Write value as a double-quoted option value, escaped for the reader. */
static void
check_roundtrip(const char *value)
{
    struct geoha_buf b;
    char *back = NULL;
    int rc;

    if (strlen(value) >= GEOHA_MYCNF_VALUE_MAX / 2 - 2) {
        return;
    }
    geoha_buf_init(&b, 0);
    geoha_buf_puts(&b, "# geoha\n[mysql]\npassword=wrong\n[ client ]\n"
                       "password = \"");
    for (const char *p = value; *p != '\0'; p++) {
        switch (*p) {
        case '\\':
            geoha_buf_puts(&b, "\\\\");
            break;
        case '"':
            geoha_buf_puts(&b, "\\\"");
            break;
        case '\n':
            geoha_buf_puts(&b, "\\n");
            break;
        case '\r':
            geoha_buf_puts(&b, "\\r");
            break;
        default:
            geoha_buf_append(&b, p, 1);
            break;
        }
    }
    geoha_buf_puts(&b, "\"  # the one\n[other]\npassword=no\n");
    FUZZ_CHECK(b.error == 0);
    rc = geoha_mycnf_get(b.data, "client", "password", &back, NULL);
    if (rc != 0 || strcmp(back, value) != 0) {
        fprintf(stderr, "value does not read back (rc %d): '%s'\n", rc,
                rc == 0 ? back : "");
    }
    FUZZ_CHECK(rc == 0 && strcmp(back, value) == 0);
    free(back);
    geoha_buf_clear(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const fixed[][2] = {
        { "client", "user" },    { "client", "password" },
        { "client", "host" },    { "client", "port" },
        { "mysql", "password" }, { "client", "ssl-ca" },
        { "mysqld", "log_bin" },
    };
    char *text = fuzz_str(data, size);

    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        check_lookup(text, fixed[i][0], fixed[i][1]);
    }
    if (strncmp(text, "#? ", 3) == 0) {
        char *first = strdup(text + 3);
        char *field[3];
        size_t n;

        FUZZ_CHECK(first != NULL);
        first[strcspn(first, "\n")] = '\0';
        n = fuzz_split(first, ' ', field, 3);
        if (n >= 2) {
            check_lookup(text, field[0], field[1]);
        }
        free(first);
    }
    check_roundtrip(text);
    free(text);
    return 0;
}
