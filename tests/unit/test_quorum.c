/*
 * Unit tests of lib/quorum.c. Outside a cluster node there is no corosync
 * to ask: the answer must be a clean -ENOTCONN, never a guess. (The cluster
 * suite exercises the quorate and inquorate answers for real.)
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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(geoha_quorum_get__no_corosync),
        cmocka_unit_test(geoha_quorum_get__rejects_null),
    };

    return cmocka_run_group_tests_name("quorum", tests, NULL, NULL);
}
