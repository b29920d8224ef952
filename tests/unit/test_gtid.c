/* Unit tests of lib/gtid.c. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "geoha/gtid.h"
#include "geoha/util.h"

#define U1 "3e11fa47-71ca-11e1-9e33-c80aa9429562"
#define U2 "8a94f357-aab4-11df-86ab-c80aa9429562"

static struct geoha_gtid_set *
parse_ok(const char *text)
{
    struct geoha_gtid_set *s = NULL;

    assert_int_equal(geoha_gtid_set_parse(text, GEOHA_GTID_ANY, &s), 0);
    assert_non_null(s);
    return s;
}

static void
assert_format(const char *text, const char *expect)
{
    struct geoha_gtid_set *s = parse_ok(text);
    char *out = NULL;

    assert_int_equal(geoha_gtid_set_format(s, &out), 0);
    assert_string_equal(out, expect);
    free(out);
    geoha_gtid_set_free(s);
}

static bool
subset(const char *a, const char *b)
{
    bool r = false;

    assert_int_equal(geoha_gtid_text_subset(a, b, &r), 0);
    return r;
}

static char *
difference(const char *a, const char *b, uint64_t *count)
{
    struct geoha_gtid_set *sa = parse_ok(a), *sb = parse_ok(b), *d = NULL;
    char *out = NULL;

    assert_int_equal(geoha_gtid_set_difference(sa, sb, &d), 0);
    assert_int_equal(geoha_gtid_set_format(d, &out), 0);
    if (count != NULL) {
        assert_int_equal(geoha_gtid_set_count(d, count), 0);
    }
    geoha_gtid_set_free(sa);
    geoha_gtid_set_free(sb);
    geoha_gtid_set_free(d);
    return out;
}

static bool
reached(const char *pos, const char *target)
{
    struct geoha_gtid_set *p = parse_ok(pos), *t = parse_ok(target);
    bool r = false;

    assert_int_equal(geoha_gtid_pos_reached(p, t, &r), 0);
    geoha_gtid_set_free(p);
    geoha_gtid_set_free(t);
    return r;
}

static void
geoha_gtid_set_parse__mariadb(void **state)
{
    struct geoha_gtid_set *s = NULL;
    uint64_t n = 0;

    (void)state;
    s = parse_ok("0-1-100,1-2-5");
    assert_int_equal(geoha_gtid_set_flavour(s), GEOHA_GTID_MARIADB);
    assert_false(geoha_gtid_set_is_empty(s));
    assert_int_equal(geoha_gtid_set_count(s, &n), 0);
    assert_int_equal(n, 105);
    geoha_gtid_set_free(s);
    /* sorted, duplicates merged, white space accepted */
    assert_format(" 1-2-5 ,\n0-1-100,0-1-90", "0-1-100,1-2-5");
    assert_format("0-1-101..105", "0-1-101..105");
    assert_format("0-0-0", "");
    s = parse_ok("0-0-0");
    assert_true(geoha_gtid_set_is_empty(s));
    geoha_gtid_set_free(s);
    assert_format("4294967295-4294967295-18446744073709551615",
                  "4294967295-4294967295-18446744073709551615");
}

static void
geoha_gtid_set_parse__mysql(void **state)
{
    struct geoha_gtid_set *s;
    uint64_t n = 0;

    (void)state;
    s = parse_ok(U1 ":1-5:7-9,\n" U2 ":1-3");
    assert_int_equal(geoha_gtid_set_flavour(s), GEOHA_GTID_MYSQL);
    assert_int_equal(geoha_gtid_set_count(s, &n), 0);
    assert_int_equal(n, 11);
    geoha_gtid_set_free(s);
    /* upper case uuid, adjacent intervals merged, single numbers */
    assert_format("3E11FA47-71CA-11E1-9E33-C80AA9429562:6:1-5:8", U1 ":1-6:8");
    /* the same uuid twice */
    assert_format(U1 ":1-3," U1 ":4-6", U1 ":1-6");
    /* MySQL 8.4 tags */
    assert_format(U1 ":1-3:Blue:1-2", U1 ":1-3:blue:1-2");
    assert_format("", "");
}

static void
geoha_gtid_set_parse__rejects(void **state)
{
    static const char *const bad[] = {
        "0-1",
        "0-1-",
        "-1-5",
        "0-1-5,",
        ",0-1-5",
        "0-1-5 0-2-6",
        "0-1-x",
        "0-1-5;DROP TABLE t",
        "4294967296-1-5",
        "0-1-18446744073709551616",
        "0-1-9..3",
        "0-1-0..3",
        "a-b-c",
        U1,
        U1 ":",
        U1 ":0",
        U1 ":5-3",
        U1 ":1-",
        U1 ":tag",
        U1 ":1-3 junk",
        "3e11fa47-71ca-11e1-9e33-c80aa942956:1-3",
        "3e11fa47x71ca-11e1-9e33-c80aa9429562:1-3",
        "3e11fa47-71ca-11e1-9e33-c80aa9429562:9223372036854775807",
        U1 ":1-3:averyveryveryveryveryverylongtagname:1",
        U1 ":1-3:9tag:1",
        U1 ":1-2,0-1-5",
    };
    struct geoha_gtid_set *s = NULL;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = geoha_gtid_set_parse(bad[i], GEOHA_GTID_ANY, &s);

        if (rc != GEOHA_E_PARSE) {
            print_error("accepted or wrong code for '%s': %d\n", bad[i], rc);
        }
        assert_int_equal(rc, GEOHA_E_PARSE);
        assert_null(s);
    }
    /* a flavour that does not match the text */
    assert_int_equal(geoha_gtid_set_parse("0-1-5", GEOHA_GTID_MYSQL, &s),
                     GEOHA_E_PARSE);
    assert_int_equal(geoha_gtid_set_parse(U1 ":1", GEOHA_GTID_MARIADB, &s),
                     GEOHA_E_PARSE);
    assert_int_equal(geoha_gtid_set_parse("0-1-5", 7, &s), -EINVAL);
    assert_int_equal(geoha_gtid_set_parse("0-1-5", GEOHA_GTID_ANY, NULL),
                     -EINVAL);
}

static void
geoha_gtid_set_parse__limits(void **state)
{
    struct geoha_buf b;
    struct geoha_gtid_set *s = NULL;

    (void)state;
    geoha_buf_init(&b, 0);
    for (unsigned i = 0; i <= GEOHA_GTID_STREAMS_MAX; i++) {
        geoha_buf_printf(&b, "%s0-%u-1", i ? "," : "", i);
    }
    assert_int_equal(geoha_gtid_set_parse(b.data, GEOHA_GTID_ANY, &s),
                     GEOHA_E_TOOBIG);
    geoha_buf_clear(&b);
    geoha_buf_init(&b, 0);
    geoha_buf_puts(&b, U1);
    for (unsigned i = 0; i <= GEOHA_GTID_RANGES_MAX; i++) {
        geoha_buf_printf(&b, ":%u", 2 * i + 1);
    }
    assert_int_equal(geoha_gtid_set_parse(b.data, GEOHA_GTID_ANY, &s),
                     GEOHA_E_TOOBIG);
    geoha_buf_clear(&b);
    assert_null(s);
}

static void
geoha_gtid_set_subset__mariadb_state(void **state)
{
    (void)state;
    assert_true(subset("", ""));
    assert_true(subset("", "0-1-5"));
    assert_false(subset("0-1-5", ""));
    assert_true(subset("0-1-100", "0-1-100,0-2-110"));
    assert_true(subset("0-1-90", "0-1-100"));
    /* the old writer wrote 101..105 that the new writer never got */
    assert_false(subset("0-1-105", "0-1-100,0-2-110"));
    /* a server the other side never saw at all */
    assert_false(subset("0-3-1", "0-1-100,0-2-110"));
    /* another domain */
    assert_false(subset("0-1-5,1-1-1", "0-1-5"));
}

static void
geoha_gtid_set_subset__mysql(void **state)
{
    (void)state;
    assert_true(subset(U1 ":1-5", U1 ":1-10"));
    assert_true(subset(U1 ":3-4:7", U1 ":1-5:7-9," U2 ":1"));
    assert_false(subset(U1 ":1-6", U1 ":1-5:7-9"));
    assert_false(subset(U2 ":1", U1 ":1-5"));
    assert_true(subset(U1 ":1-3", U1 ":1-3:blue:1"));
    assert_false(subset(U1 ":blue:1", U1 ":1-3"));
}

static void
geoha_gtid_set_subset__flavour_mismatch(void **state)
{
    struct geoha_gtid_set *a = parse_ok("0-1-5"), *b = parse_ok(U1 ":1");
    struct geoha_gtid_set *d = NULL;
    bool r = true;

    (void)state;
    assert_int_equal(geoha_gtid_set_subset(a, b, &r), -EINVAL);
    assert_int_equal(geoha_gtid_set_difference(a, b, &d), -EINVAL);
    assert_int_equal(geoha_gtid_pos_reached(a, b, &r), -EINVAL);
    assert_int_equal(geoha_gtid_pos_merge(a, b, &d), -EINVAL);
    assert_int_equal(geoha_gtid_set_subset(NULL, b, &r), -EINVAL);
    assert_int_equal(geoha_gtid_set_subset(a, b, NULL), -EINVAL);
    assert_null(d);
    assert_true(r);
    geoha_gtid_set_free(a);
    geoha_gtid_set_free(b);
    geoha_gtid_set_free(NULL);
}

static void
geoha_gtid_set_difference__errant(void **state)
{
    uint64_t n = 0;
    char *d;

    (void)state;
    d = difference("0-1-105", "0-1-100,0-2-110", &n);
    assert_string_equal(d, "0-1-101..105");
    assert_int_equal(n, 5);
    free(d);
    /* a replica wrote one transaction of its own after 0-2-93 (issue 3) */
    d = difference("0-1-50,0-2-93,0-3-94", "0-1-50,0-2-120", &n);
    assert_string_equal(d, "0-3-94..94");
    assert_int_equal(n, 1);
    free(d);
    /* nothing shared in the domain: the whole stream is counted */
    d = difference("0-3-4", "0-2-120", &n);
    assert_string_equal(d, "0-3-4");
    assert_int_equal(n, 4);
    free(d);
    /* out of order histories still report at least the last GTID */
    d = difference("0-1-105,0-2-110", "0-1-100,0-2-110", &n);
    assert_string_equal(d, "0-1-105..105");
    assert_int_equal(n, 1);
    free(d);
    d = difference("0-1-100", "0-1-100,0-2-110", &n);
    assert_string_equal(d, "");
    assert_int_equal(n, 0);
    free(d);
    d = difference(U1 ":1-20:30-40," U2 ":1-5", U1 ":3-4:10-35", &n);
    assert_string_equal(d, U1 ":1-2:5-9:36-40," U2 ":1-5");
    assert_int_equal(n, 2 + 5 + 5 + 5);
    free(d);
    d = difference(U1 ":1-10", "", &n);
    assert_string_equal(d, U1 ":1-10");
    free(d);
    d = difference("", U1 ":1-10", &n);
    assert_string_equal(d, "");
    free(d);
}

static void
geoha_gtid_pos_reached__mariadb(void **state)
{
    (void)state;
    /* per domain, whichever server wrote last */
    assert_true(reached("0-2-110", "0-1-100"));
    assert_false(reached("0-1-100", "0-2-110"));
    assert_true(reached("0-1-100,1-1-5", "0-1-100"));
    assert_false(reached("0-1-100", "0-1-100,1-1-5"));
    assert_true(reached("0-1-5", ""));
    assert_false(reached("", "0-1-5"));
}

static void
geoha_gtid_pos_reached__mysql(void **state)
{
    (void)state;
    assert_true(reached(U1 ":1-10", U1 ":1-5"));
    assert_false(reached(U1 ":1-4", U1 ":1-5"));
    assert_false(reached(U1 ":1-10", U1 ":1-5," U2 ":1"));
}

static void
geoha_gtid_pos_merge__both(void **state)
{
    struct geoha_gtid_set *a, *b, *m = NULL;
    char *out = NULL;

    (void)state;
    a = parse_ok("0-1-105,1-1-3");
    b = parse_ok("0-2-103,2-2-9");
    assert_int_equal(geoha_gtid_pos_merge(a, b, &m), 0);
    assert_int_equal(geoha_gtid_set_format(m, &out), 0);
    assert_string_equal(out, "0-1-105,1-1-3,2-2-9");
    free(out);
    geoha_gtid_set_free(m);
    geoha_gtid_set_free(a);
    geoha_gtid_set_free(b);

    a = parse_ok(U1 ":1-5");
    b = parse_ok(U1 ":6-7," U2 ":1");
    assert_int_equal(geoha_gtid_pos_merge(a, b, &m), 0);
    assert_int_equal(geoha_gtid_set_format(m, &out), 0);
    assert_string_equal(out, U1 ":1-7," U2 ":1");
    free(out);
    geoha_gtid_set_free(m);
    geoha_gtid_set_free(a);
    geoha_gtid_set_free(b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(geoha_gtid_set_parse__mariadb),
        cmocka_unit_test(geoha_gtid_set_parse__mysql),
        cmocka_unit_test(geoha_gtid_set_parse__rejects),
        cmocka_unit_test(geoha_gtid_set_parse__limits),
        cmocka_unit_test(geoha_gtid_set_subset__mariadb_state),
        cmocka_unit_test(geoha_gtid_set_subset__mysql),
        cmocka_unit_test(geoha_gtid_set_subset__flavour_mismatch),
        cmocka_unit_test(geoha_gtid_set_difference__errant),
        cmocka_unit_test(geoha_gtid_pos_reached__mariadb),
        cmocka_unit_test(geoha_gtid_pos_reached__mysql),
        cmocka_unit_test(geoha_gtid_pos_merge__both),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
