/* Unit tests of lib/util.c. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "geoha/util.h"

static void
geoha_parse_ll__accepts_whole_numbers(void **state)
{
    long long v = 0;

    (void)state;
    assert_int_equal(geoha_parse_ll("42", 0, 100, &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(geoha_parse_ll("-7", -10, 10, &v), 0);
    assert_int_equal(v, -7);
    assert_int_equal(geoha_parse_ll("9223372036854775807", 0, LLONG_MAX, &v),
                     0);
    assert_true(v == LLONG_MAX);
}

static void
geoha_parse_ll__rejects_garbage(void **state)
{
    long long v = 99;

    (void)state;
    assert_int_equal(geoha_parse_ll("", 0, 100, &v), -EINVAL);
    assert_int_equal(geoha_parse_ll(" 1", 0, 100, &v), -EINVAL);
    assert_int_equal(geoha_parse_ll("1 ", 0, 100, &v), -EINVAL);
    assert_int_equal(geoha_parse_ll("12abc", 0, 100, &v), -EINVAL);
    assert_int_equal(geoha_parse_ll("0x10", 0, 100, &v), -EINVAL);
    assert_int_equal(geoha_parse_ll(NULL, 0, 100, &v), -EINVAL);
    assert_int_equal(v, 99); /* untouched on failure */
}

static void
geoha_parse_ll__range_and_overflow(void **state)
{
    long long v = 5;

    (void)state;
    assert_int_equal(geoha_parse_ll("101", 0, 100, &v), -ERANGE);
    assert_int_equal(geoha_parse_ll("-1", 0, 100, &v), -ERANGE);
    assert_int_equal(geoha_parse_ll("99999999999999999999", 0, LLONG_MAX, &v),
                     -ERANGE);
    assert_int_equal(v, 5);
}

static void
geoha_parse_bool__pacemaker_spellings(void **state)
{
    static const char *const yes[] = { "true", "TRUE", "yes", "on",
                                       "y",    "1",    "Yes" };
    static const char *const no[] = { "false", "no", "off", "n", "0", "Off" };
    bool b;

    (void)state;
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        b = false;
        assert_int_equal(geoha_parse_bool(yes[i], &b), 0);
        assert_true(b);
    }
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        b = true;
        assert_int_equal(geoha_parse_bool(no[i], &b), 0);
        assert_false(b);
    }
    assert_int_equal(geoha_parse_bool("maybe", &b), -EINVAL);
    assert_int_equal(geoha_parse_bool("", &b), -EINVAL);
    assert_int_equal(geoha_parse_bool(NULL, &b), -EINVAL);
}

static void
geoha_strlcpy__fits_and_truncates(void **state)
{
    char small[4];

    (void)state;
    assert_int_equal(geoha_strlcpy(small, "abc", sizeof(small)), 0);
    assert_string_equal(small, "abc");
    assert_int_equal(geoha_strlcpy(small, "abcd", sizeof(small)), -ENOSPC);
    assert_string_equal(small, "");
    assert_int_equal(geoha_strlcpy(small, NULL, sizeof(small)), -EINVAL);
    assert_int_equal(geoha_strlcpy(small, "a", 0), -EINVAL);
}

static void
geoha_snprintf__reports_truncation(void **state)
{
    char buf[6];

    (void)state;
    assert_int_equal(geoha_snprintf(buf, sizeof(buf), "%d", 12345), 0);
    assert_string_equal(buf, "12345");
    assert_int_equal(geoha_snprintf(buf, sizeof(buf), "%d", 123456), -ENOSPC);
}

static void
geoha_strtrim__both_ends(void **state)
{
    char s1[] = "  a b \n";
    char s2[] = "   ";
    char s3[] = "x";

    (void)state;
    assert_string_equal(geoha_strtrim(s1), "a b");
    assert_string_equal(geoha_strtrim(s2), "");
    assert_string_equal(geoha_strtrim(s3), "x");
    assert_null(geoha_strtrim(NULL));
}

static void
geoha_streq__null_safe(void **state)
{
    (void)state;
    assert_true(geoha_streq(NULL, NULL));
    assert_false(geoha_streq("a", NULL));
    assert_true(geoha_streq("a", "a"));
    assert_true(geoha_streq_ci("ExternalEndpoints", "externalendpoints"));
    assert_false(geoha_streq_ci(NULL, "a"));
}

static void
geoha_buf__append_escape_and_limit(void **state)
{
    struct geoha_buf b;
    char *s;

    (void)state;
    geoha_buf_init(&b, 32);
    assert_int_equal(geoha_buf_puts(&b, "a"), 0);
    assert_int_equal(geoha_buf_printf(&b, "%d", 7), 0);
    assert_int_equal(geoha_buf_xml_escape(&b, "<&'\">"), 0);
    assert_string_equal(b.data, "a7&lt;&amp;&apos;&quot;&gt;");
    /* Over the maximum: sticky error, old contents kept. */
    assert_int_equal(geoha_buf_puts(&b, "0123456789"), GEOHA_E_TOOBIG);
    assert_string_equal(b.data, "a7&lt;&amp;&apos;&quot;&gt;");
    assert_int_equal(geoha_buf_puts(&b, "x"), GEOHA_E_TOOBIG);
    s = geoha_buf_steal(&b);
    assert_string_equal(s, "a7&lt;&amp;&apos;&quot;&gt;");
    free(s);
    assert_null(b.data);
    geoha_buf_clear(&b);
    geoha_buf_clear(NULL);
}

static void
geoha_buf__long_printf(void **state)
{
    struct geoha_buf b;
    char big[2000];

    (void)state;
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    geoha_buf_init(&b, 0);
    assert_int_equal(geoha_buf_printf(&b, "[%s]", big), 0);
    assert_int_equal(b.len, sizeof(big) + 1);
    geoha_buf_clear(&b);
}

static void
geoha_strerror__every_code_has_text(void **state)
{
    (void)state;
    for (int rc = GEOHA_E_BASE; rc > GEOHA_E_LAST; rc--) {
        assert_non_null(geoha_strerror(rc));
        assert_string_not_equal(geoha_strerror(rc), "unknown error");
    }
    assert_string_equal(geoha_strerror(0), "success");
    assert_string_equal(geoha_strerror(-ENOENT), strerror(ENOENT));
    assert_string_equal(geoha_strerror(GEOHA_E_LAST), "unknown error");
    assert_string_equal(geoha_strerror(5), "unknown error");
}

static void
geoha_deadline__arithmetic(void **state)
{
    struct geoha_deadline d;
    struct geoha_deadline m;
    int64_t t0;

    (void)state;
    geoha_deadline_init(&d, 0);
    assert_true(geoha_deadline_expired(&d));
    assert_int_equal(geoha_deadline_left_ms(&d), 0);
    geoha_deadline_init(&d, -5);
    assert_true(geoha_deadline_expired(&d));
    geoha_deadline_init(&d, 10000);
    assert_false(geoha_deadline_expired(&d));
    assert_true(geoha_deadline_left_ms(&d) > 9000);
    m = geoha_deadline_min(&d, 100);
    assert_true(geoha_deadline_left_ms(&m) <= 100);
    m = geoha_deadline_min(&d, 60000);
    assert_true(m.end_ms == d.end_ms);
    geoha_deadline_init(&d, INT64_MAX);
    assert_false(geoha_deadline_expired(&d));
    /* A sleep longer than the deadline is cut short and says so. */
    geoha_deadline_init(&d, 50);
    t0 = geoha_now_ms();
    assert_int_equal(geoha_sleep_ms(&d, 5000), GEOHA_E_DEADLINE);
    assert_true(geoha_now_ms() - t0 < 1000);
    geoha_deadline_init(&d, 5000);
    assert_int_equal(geoha_sleep_ms(&d, 10), 0);
    assert_int_equal(geoha_sleep_ms(NULL, 1), 0);
}

/* issue 17 item 8: control characters and invalid UTF-8 become \xNN. */
static void
geoha_escape_text__controls_and_bad_utf8(void **state)
{
    char out[64];
    char tiny[8];

    (void)state;
    assert_int_equal(geoha_escape_text(out, sizeof(out), "plain \\ text"), 0);
    assert_string_equal(out, "plain \\ text");
    assert_int_equal(geoha_escape_text(out, sizeof(out), "a\nb\rc\td\x1b\x7f"),
                     0);
    assert_string_equal(out, "a\\x0ab\\x0dc\\x09d\\x1b\\x7f");
    /* valid UTF-8 is kept, C1 controls and broken sequences are not */
    assert_int_equal(
        geoha_escape_text(out, sizeof(out), "caf\xc3\xa9 \xe2\x82\xac"), 0);
    assert_string_equal(out, "caf\xc3\xa9 \xe2\x82\xac");
    assert_int_equal(geoha_escape_text(out, sizeof(out), "\xc2\x85|\xff|\xc3"),
                     0);
    assert_string_equal(out, "\\xc2\\x85|\\xff|\\xc3");
    assert_int_equal(
        geoha_escape_text(out, sizeof(out), "\xc0\xaf|\xed\xa0\x80"), 0);
    assert_string_equal(out, "\\xc0\\xaf|\\xed\\xa0\\x80");
    assert_int_equal(geoha_escape_text(out, sizeof(out), "\xf4\x90\x80\x80"),
                     0);
    assert_string_equal(out, "\\xf4\\x90\\x80\\x80");
    /* cut between characters, never inside an escape */
    assert_int_equal(geoha_escape_text(tiny, sizeof(tiny), "ab\ncde"), -ENOSPC);
    assert_string_equal(tiny, "ab\\x0ac");
    assert_int_equal(geoha_escape_text(tiny, sizeof(tiny), "abcd\n"), -ENOSPC);
    assert_string_equal(tiny, "abcd");
    assert_int_equal(geoha_utf8_len("\xf0\x9f\x98\x80"), 4);
    assert_int_equal(geoha_utf8_len("\xf0\x9f\x98"), 0);
    assert_int_equal(geoha_escape_text(NULL, 1, "x"), -EINVAL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(geoha_parse_ll__accepts_whole_numbers),
        cmocka_unit_test(geoha_parse_ll__rejects_garbage),
        cmocka_unit_test(geoha_parse_ll__range_and_overflow),
        cmocka_unit_test(geoha_parse_bool__pacemaker_spellings),
        cmocka_unit_test(geoha_strlcpy__fits_and_truncates),
        cmocka_unit_test(geoha_snprintf__reports_truncation),
        cmocka_unit_test(geoha_strtrim__both_ends),
        cmocka_unit_test(geoha_streq__null_safe),
        cmocka_unit_test(geoha_buf__append_escape_and_limit),
        cmocka_unit_test(geoha_buf__long_printf),
        cmocka_unit_test(geoha_strerror__every_code_has_text),
        cmocka_unit_test(geoha_deadline__arithmetic),
        cmocka_unit_test(geoha_escape_text__controls_and_bad_utf8),
    };

    return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
