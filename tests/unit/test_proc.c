/* Unit tests of lib/proc.c. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "geoha/proc.h"

static void
geoha_proc_run__captures_output_and_code(void **state)
{
    const char *const argv[] = { "sh", "-c", "echo out; echo err >&2; exit 3",
                                 NULL };
    struct geoha_deadline d;
    struct geoha_proc_result r;

    (void)state;
    geoha_deadline_init(&d, 5000);
    assert_int_equal(geoha_proc_run(argv, NULL, NULL, 1024, &d, &r), 0);
    assert_int_equal(r.exit_code, 3);
    assert_string_equal(r.out, "out\n");
    assert_string_equal(r.err, "err\n");
    geoha_proc_result_clear(&r);
    geoha_proc_result_clear(NULL);
}

static void
geoha_proc_run__stdin_and_env(void **state)
{
    const char *const argv[] = { "sh", "-c", "cat; printf %s \"$GEOHA_X\"",
                                 NULL };
    const char *const env[] = { "GEOHA_X=value with 'quotes'", NULL };
    struct geoha_deadline d;
    struct geoha_proc_result r;

    (void)state;
    geoha_deadline_init(&d, 5000);
    assert_int_equal(geoha_proc_run(argv, env, "key=value\n", 1024, &d, &r), 0);
    assert_int_equal(r.exit_code, 0);
    assert_string_equal(r.out, "key=value\nvalue with 'quotes'");
    geoha_proc_result_clear(&r);
}

static void
geoha_proc_run__arguments_are_not_shell(void **state)
{
    const char *const argv[] = { "/bin/echo", "$(id)", "a;b", "'c'", NULL };
    struct geoha_deadline d;
    struct geoha_proc_result r;

    (void)state;
    geoha_deadline_init(&d, 5000);
    assert_int_equal(geoha_proc_run(argv, NULL, NULL, 1024, &d, &r), 0);
    assert_string_equal(r.out, "$(id) a;b 'c'\n");
    geoha_proc_result_clear(&r);
}

static void
geoha_proc_run__missing_program(void **state)
{
    const char *const argv1[] = { "geoha-no-such-program", NULL };
    const char *const argv2[] = { "/nonexistent/prog", NULL };
    struct geoha_deadline d;
    struct geoha_proc_result r;

    (void)state;
    geoha_deadline_init(&d, 5000);
    assert_int_equal(geoha_proc_run(argv1, NULL, NULL, 1024, &d, &r), -ENOENT);
    assert_int_equal(geoha_proc_run(argv2, NULL, NULL, 1024, &d, &r), -ENOENT);
    assert_int_equal(geoha_proc_run(NULL, NULL, NULL, 1024, &d, &r), -EINVAL);
}

static void
geoha_proc_run__deadline_kills(void **state)
{
    const char *const argv[] = { "sleep", "30", NULL };
    struct geoha_deadline d;
    struct geoha_proc_result r;
    int64_t t0 = geoha_now_ms();

    (void)state;
    geoha_deadline_init(&d, 200);
    assert_int_equal(geoha_proc_run(argv, NULL, NULL, 1024, &d, &r),
                     GEOHA_E_DEADLINE);
    assert_true(geoha_now_ms() - t0 < 2500);
}

static void
geoha_proc_run__output_is_bounded(void **state)
{
    const char *const argv[] = { "sh", "-c", "yes | head -c 100000", NULL };
    struct geoha_deadline d;
    struct geoha_proc_result r;

    (void)state;
    geoha_deadline_init(&d, 5000);
    assert_int_equal(geoha_proc_run(argv, NULL, NULL, 100, &d, &r), 0);
    assert_int_equal(r.out_len, 100);
    assert_int_equal(r.exit_code, 0);
    geoha_proc_result_clear(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(geoha_proc_run__captures_output_and_code),
        cmocka_unit_test(geoha_proc_run__stdin_and_env),
        cmocka_unit_test(geoha_proc_run__arguments_are_not_shell),
        cmocka_unit_test(geoha_proc_run__missing_program),
        cmocka_unit_test(geoha_proc_run__deadline_kills),
        cmocka_unit_test(geoha_proc_run__output_is_bounded),
    };

    return cmocka_run_group_tests_name("proc", tests, NULL, NULL);
}
