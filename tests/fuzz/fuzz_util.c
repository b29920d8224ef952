/*
 * Fuzz target: the checked number and boolean parsers every parameter
 * goes through (geoha_parse_ll(), geoha_parse_bool()) and the bounded
 * string helpers beside them (lib/util.c).
 *
 * Checks: an accepted number is in range, has no blanks around it and
 * prints back to itself modulo sign and leading zeros; narrowing the
 * range never accepts more; booleans are exactly Pacemaker's spellings;
 * trimming, bounded copies and XML escaping keep their promises.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <strings.h>

#include "geoha/util.h"

#include "fuzz.h"

static void
check_ll(const char *s)
{
    static const long long ranges[][2] = {
        { LLONG_MIN, LLONG_MAX },
        { 0, 65535 },
        { 1, 100 },
        { -5, 5 },
    };
    long long all = 0;
    int rc_all = geoha_parse_ll(s, LLONG_MIN, LLONG_MAX, &all);

    FUZZ_CHECK(rc_all == 0 || rc_all == -EINVAL || rc_all == -ERANGE);
    if (rc_all == 0) {
        char text[32];
        long long again = 0;

        FUZZ_CHECK(s[0] != '\0' && !isspace((unsigned char)s[0]));
        FUZZ_CHECK(!isspace((unsigned char)s[strlen(s) - 1]));
        FUZZ_CHECK(geoha_snprintf(text, sizeof(text), "%lld", all) == 0);
        FUZZ_CHECK(geoha_parse_ll(text, LLONG_MIN, LLONG_MAX, &again) == 0);
        FUZZ_CHECK(again == all);
    }
    for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
        long long v = 0x5a5a;
        int rc = geoha_parse_ll(s, ranges[i][0], ranges[i][1], &v);

        if (rc == 0) {
            FUZZ_CHECK(rc_all == 0 && v == all);
            FUZZ_CHECK(v >= ranges[i][0] && v <= ranges[i][1]);
        } else {
            FUZZ_CHECK(v == 0x5a5a);
            if (rc_all == 0) {
                FUZZ_CHECK(rc == -ERANGE);
                FUZZ_CHECK(all < ranges[i][0] || all > ranges[i][1]);
            } else {
                FUZZ_CHECK(rc == rc_all);
            }
        }
    }
}

static void
check_bool(const char *s)
{
    static const char *const yes[] = { "true", "yes", "on", "y", "1" };
    static const char *const no[] = { "false", "no", "off", "n", "0" };
    bool b = false;
    int expect = -1;

    for (size_t i = 0; i < 5; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            expect = 1;
        }
        if (strcasecmp(s, no[i]) == 0) {
            expect = 0;
        }
    }
    if (geoha_parse_bool(s, &b) == 0) {
        FUZZ_CHECK(expect == (int)b);
    } else {
        FUZZ_CHECK(expect == -1);
    }
}

static void
check_strings(const char *s)
{
    size_t n = strlen(s);
    char *copy = strdup(s);
    char *small = malloc(n / 2 + 1);
    struct geoha_buf b;

    FUZZ_CHECK(copy != NULL && small != NULL);
    geoha_strtrim(copy);
    FUZZ_CHECK(strstr(s, copy) != NULL);
    if (copy[0] != '\0') {
        FUZZ_CHECK(!isspace((unsigned char)copy[0]));
        FUZZ_CHECK(!isspace((unsigned char)copy[strlen(copy) - 1]));
    }
    if (geoha_strlcpy(small, s, n / 2 + 1) == 0) {
        FUZZ_CHECK(strcmp(small, s) == 0);
    } else {
        FUZZ_CHECK(n > n / 2 && small[0] == '\0');
    }
    FUZZ_CHECK(geoha_streq(s, copy) == (strcmp(s, copy) == 0));
    FUZZ_CHECK(geoha_streq_ci(s, s));

    geoha_buf_init(&b, 0);
    FUZZ_CHECK(geoha_buf_xml_escape(&b, s) == 0);
    if (b.data != NULL) {
        FUZZ_CHECK(strpbrk(b.data, "<>\"'") == NULL);
        /* every '&' starts one of the five entities */
        for (const char *p = strchr(b.data, '&'); p != NULL;
             p = strchr(p + 1, '&')) {
            FUZZ_CHECK(strncmp(p, "&amp;", 5) == 0 || strncmp(p, "&lt;", 4) == 0
                       || strncmp(p, "&gt;", 4) == 0
                       || strncmp(p, "&quot;", 6) == 0
                       || strncmp(p, "&apos;", 6) == 0);
        }
    }
    geoha_buf_clear(&b);
    free(copy);
    free(small);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_str(data, size);

    check_ll(s);
    check_bool(s);
    check_strings(s);
    free(s);
    return 0;
}
