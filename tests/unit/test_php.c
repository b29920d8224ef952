/* Unit tests of lib/php.c. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "geoha/php.h"
#include "geoha/util.h"

static void
quote_is(const char *in, const char *want)
{
    struct geoha_buf b;

    geoha_buf_init(&b, 0);
    assert_int_equal(geoha_php_quote(&b, in), 0);
    assert_string_equal(b.data, want);
    geoha_buf_clear(&b);
}

static void
geoha_php_quote__plain(void **state)
{
    (void)state;
    quote_is("", "''");
    quote_is("drupal", "'drupal'");
    /* No interpolation inside single quotes: kept as they are. */
    quote_is("$x {$y} \"z\" ?> <?php", "'$x {$y} \"z\" ?> <?php'");
    quote_is("a\nb\r\tc", "'a\nb\r\tc'");
}

static void
geoha_php_quote__escapes(void **state)
{
    (void)state;
    quote_is("'", "'\\''");
    quote_is("\\", "'\\\\'");
    quote_is("a'b\\c", "'a\\'b\\\\c'");
    /* A trailing backslash must not escape the closing quote. */
    quote_is("end\\", "'end\\\\'");
    quote_is("\\'", "'\\\\\\''");
    quote_is("\\n", "'\\\\n'");
    quote_is("''\\\\", "'\\'\\'\\\\\\\\'");
}

static void
geoha_php_quote__appends(void **state)
{
    struct geoha_buf b;

    (void)state;
    geoha_buf_init(&b, 0);
    geoha_buf_puts(&b, "x = ");
    assert_int_equal(geoha_php_quote(&b, "it's"), 0);
    assert_string_equal(b.data, "x = 'it\\'s'");
    geoha_buf_clear(&b);
}

static void
geoha_php_quote__rejects(void **state)
{
    struct geoha_buf b;

    (void)state;
    geoha_buf_init(&b, 0);
    geoha_buf_puts(&b, "keep");
    assert_int_equal(geoha_php_quote(&b, NULL), -EINVAL);
    assert_int_equal(geoha_php_quote(NULL, "x"), -EINVAL);
    assert_int_equal(geoha_php_quote_n(&b, "a\0b", 3), -EINVAL);
    assert_string_equal(b.data, "keep");
    geoha_buf_clear(&b);
}

static void
geoha_php_quote__too_big(void **state)
{
    struct geoha_buf b;

    (void)state;
    geoha_buf_init(&b, 16);
    geoha_buf_puts(&b, "ab");
    /* Does not fit: the partial literal is taken back. */
    assert_int_not_equal(geoha_php_quote(&b, "0123456789\\\\\\"), 0);
    assert_int_equal(b.len, 2);
    assert_string_equal(b.data, "ab");
    geoha_buf_clear(&b);
}

static void
geoha_php_quote_n__length(void **state)
{
    struct geoha_buf b;

    (void)state;
    geoha_buf_init(&b, 0);
    assert_int_equal(geoha_php_quote_n(&b, "abc'def", 4), 0);
    assert_string_equal(b.data, "'abc\\''");
    assert_int_equal(geoha_php_quote_n(&b, NULL, 0), 0);
    assert_string_equal(b.data, "'abc\\''''");
    geoha_buf_clear(&b);
}

static void
comment_is(const char *in, const char *want)
{
    struct geoha_buf b;

    geoha_buf_init(&b, 0);
    assert_int_equal(geoha_php_comment(&b, in), 0);
    assert_string_equal(b.data, want);
    geoha_buf_clear(&b);
}

static void
geoha_php_comment__sanitises(void **state)
{
    (void)state;
    comment_is("hello 'x'", "// hello 'x'\n");
    comment_is("", "// \n");
    comment_is("a\nb", "// a?b\n");
    comment_is("end ?> here", "// end ?_ here\n");
    /* A replaced control byte before '>' must not form "?>" either. */
    comment_is("x\n>", "// x?_\n");
    comment_is("caf\xc3\xa9", "// caf??\n");
    comment_is("a\r\x7f", "// a??\n");
}

static void
geoha_php_comment__rejects(void **state)
{
    struct geoha_buf b;

    (void)state;
    geoha_buf_init(&b, 0);
    assert_int_equal(geoha_php_comment(&b, NULL), -EINVAL);
    assert_int_equal(geoha_php_comment(NULL, "x"), -EINVAL);
    geoha_buf_clear(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(geoha_php_quote__plain),
        cmocka_unit_test(geoha_php_quote__escapes),
        cmocka_unit_test(geoha_php_quote__appends),
        cmocka_unit_test(geoha_php_quote__rejects),
        cmocka_unit_test(geoha_php_quote__too_big),
        cmocka_unit_test(geoha_php_quote_n__length),
        cmocka_unit_test(geoha_php_comment__sanitises),
        cmocka_unit_test(geoha_php_comment__rejects),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
