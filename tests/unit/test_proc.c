/* Unit tests of lib/proc.c. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static void
geoha_proc_pid__round_trip_and_bad_files(void **state)
{
    char dir[] = "/tmp/geoha-test-pid-XXXXXX";
    char path[256];
    pid_t pid = 0;
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/x.pid", dir);
    assert_int_equal(geoha_proc_pid_read(path, &pid), -ENOENT);
    assert_int_equal(geoha_proc_pid_write(path), 0);
    assert_int_equal(geoha_proc_pid_read(path, &pid), 0);
    assert_int_equal(pid, getpid());
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("12abc\n", f);
    fclose(f);
    pid = 7;
    assert_int_equal(geoha_proc_pid_read(path, &pid), GEOHA_E_PARSE);
    assert_int_equal(pid, 7); /* untouched */
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("1\n", f); /* init is never a helper */
    fclose(f);
    assert_int_equal(geoha_proc_pid_read(path, &pid), GEOHA_E_PARSE);
    unlink(path);
    rmdir(dir);
}

/* A live process that is not the named helper, and dead pids, are not. */
static void
geoha_proc_self_alive__checks_the_action(void **state)
{
    (void)state;
    assert_false(geoha_proc_self_alive(getpid(), "quorum-guard"));
    assert_false(geoha_proc_self_alive(0, "quorum-guard"));
    assert_false(geoha_proc_self_alive(1, "quorum-guard"));
    assert_false(geoha_proc_self_alive(getpid(), NULL));
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
        cmocka_unit_test(geoha_proc_pid__round_trip_and_bad_files),
        cmocka_unit_test(geoha_proc_self_alive__checks_the_action),
    };

    return cmocka_run_group_tests_name("proc", tests, NULL, NULL);
}
