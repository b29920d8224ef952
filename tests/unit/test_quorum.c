/*
 * Unit tests of lib/quorum.c. Outside a cluster node there is no corosync
 * to ask: the answer must be a clean -ENOTCONN, never a guess. (The cluster
 * suite and tests/guard exercise the quorate and inquorate answers, and
 * the watch's closing, with a real corosync.)
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "geoha/quorum.h"

static void
geoha_quorum_get__no_corosync(void **state)
{
    bool quorate = true;

    (void)state;
    if (access("/run/corosync-qdevice", F_OK) == 0
        || access("/run/corosync.pid", F_OK) == 0) {
        skip(); /* running on a real cluster node */
    }
    assert_int_equal(geoha_quorum_get(&quorate), -ENOTCONN);
    assert_true(quorate); /* untouched */
}

static void
geoha_quorum_get__rejects_null(void **state)
{
    (void)state;
    assert_int_equal(geoha_quorum_get(NULL), -EINVAL);
}

struct counts {
    int closes;
    int keeps;
    int keep_max;
};

static int
count_close(void *arg)
{
    ((struct counts *)arg)->closes++;
    return 0;
}

static bool
count_keep(void *arg)
{
    struct counts *c = arg;

    return ++c->keeps <= c->keep_max;
}

static void
geoha_quorum_watch__rejects_bad_arguments(void **state)
{
    static volatile int stop;
    struct counts c = { 0 };
    struct geoha_quorum_watch w = { .close = count_close,
                                    .keep = count_keep,
                                    .arg = &c,
                                    .tick_ms = 10,
                                    .retry_ms = 10,
                                    .answer_ms = 10,
                                    .stop = &stop };

    (void)state;
    assert_int_equal(geoha_quorum_watch(NULL), -EINVAL);
    w.close = NULL;
    assert_int_equal(geoha_quorum_watch(&w), -EINVAL);
    w.close = count_close;
    w.tick_ms = 0;
    assert_int_equal(geoha_quorum_watch(&w), -EINVAL);
    w.tick_ms = 10;
    w.answer_ms = 0;
    assert_int_equal(geoha_quorum_watch(&w), -EINVAL);
    w.answer_ms = 10;
    w.stop = NULL;
    assert_int_equal(geoha_quorum_watch(&w), -EINVAL);
}

/* Never reached corosync (outside a cluster): nothing is closed, and the
 * watch ends when keep() says so. */
static void
geoha_quorum_watch__never_reached_closes_nothing(void **state)
{
    static volatile int stop;
    struct counts c = { .keep_max = 3 };
    struct geoha_quorum_watch w = { .close = count_close,
                                    .keep = count_keep,
                                    .arg = &c,
                                    .tick_ms = 10,
                                    .retry_ms = 10,
                                    .answer_ms = 10,
                                    .stop = &stop };

    (void)state;
    if (access("/run/corosync-qdevice", F_OK) == 0
        || access("/run/corosync.pid", F_OK) == 0) {
        skip(); /* running on a real cluster node */
    }
    assert_int_equal(geoha_quorum_watch(&w), 0);
    assert_int_equal(c.closes, 0);
    assert_int_equal(c.keeps, 4);
}

/* A set stop flag ends the watch before anything else. */
static void
geoha_quorum_watch__stop_flag_ends_it(void **state)
{
    static volatile int stop = 1;
    struct counts c = { .keep_max = 1000 };
    struct geoha_quorum_watch w = { .close = count_close,
                                    .keep = count_keep,
                                    .arg = &c,
                                    .tick_ms = 10,
                                    .retry_ms = 10,
                                    .answer_ms = 10,
                                    .stop = &stop };

    (void)state;
    assert_int_equal(geoha_quorum_watch(&w), 0);
    assert_int_equal(c.keeps, 0);
    assert_int_equal(c.closes, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(geoha_quorum_get__no_corosync),
        cmocka_unit_test(geoha_quorum_get__rejects_null),
        cmocka_unit_test(geoha_quorum_watch__rejects_bad_arguments),
        cmocka_unit_test(geoha_quorum_watch__never_reached_closes_nothing),
        cmocka_unit_test(geoha_quorum_watch__stop_flag_ends_it),
    };

    return cmocka_run_group_tests_name("quorum", tests, NULL, NULL);
}
