/*
 * Unit tests of lib/attr.c, against a saved CIB (CIB_file) and the
 * test-only crm_attribute stand-in of tests/lib/bin (Pacemaker 2.1.5
 * refuses writes to a CIB_file), which logs every call so the tests can
 * count the processes spawned.
 */
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

#include "geoha/attr.h"
#include "geoha/file.h"
#include "geoha/proc.h"
#include "geoha/util.h"

static char dir[64];
static char cib_path[128];
static char log_path[128];
static char cache_path[128];

static const char cib_xml[] =
    "<cib crm_feature_set=\"3.16.2\" validate-with=\"pacemaker-3.9\" "
    "epoch=\"1\" num_updates=\"0\" admin_epoch=\"0\">\n"
    "<configuration><crm_config/><nodes>"
    "<node id=\"1\" uname=\"ci\"/><node id=\"2\" uname=\"si\"/>"
    "</nodes><resources/><constraints/></configuration>\n"
    "<status><node_state id=\"1\" uname=\"ci\" in_ccm=\"true\" "
    "crmd=\"online\" join=\"member\" expected=\"member\"/>"
    "<node_state id=\"2\" uname=\"si\" in_ccm=\"true\" crmd=\"online\" "
    "join=\"member\" expected=\"member\"/></status></cib>\n";

static int
spawns(void)
{
    char *text = NULL;
    int n = 0;

    if (geoha_file_read(log_path, 1 << 20, &text, NULL) != 0) {
        return 0;
    }
    for (char *p = text; *p != '\0'; p++) {
        n += (*p == '\n');
    }
    free(text);
    return n;
}

static int
setup(void **state)
{
    const char *top = getenv("GEOHA_TOP");
    char path_env[4096];

    (void)state;
    geoha_strlcpy(dir, "/tmp/geoha-test-attr-XXXXXX", sizeof(dir));
    if (mkdtemp(dir) == NULL) {
        return -1;
    }
    geoha_snprintf(cib_path, sizeof(cib_path), "%s/cib.xml", dir);
    geoha_snprintf(log_path, sizeof(log_path), "%s/calls.log", dir);
    geoha_snprintf(cache_path, sizeof(cache_path), "%s/cache", dir);
    if (geoha_file_replace(cib_path, cib_xml, sizeof(cib_xml) - 1, (uid_t)-1,
                           (gid_t)-1, 0600)
        != 0) {
        return -1;
    }
    geoha_snprintf(path_env, sizeof(path_env), "%s/tests/lib/bin:%s",
                   top != NULL ? top : ".", getenv("PATH"));
    setenv("PATH", path_env, 1);
    setenv("CIB_file", cib_path, 1);
    setenv("GEOHA_ATTR_LOG", log_path, 1);
    setenv(GEOHA_ATTR_CACHE_ENV, cache_path, 1);
    return 0;
}

static int
teardown(void **state)
{
    const char *const argv[] = { "rm", "-rf", dir, NULL };
    struct geoha_deadline d;
    struct geoha_proc_result r;
    int rc;

    (void)state;
    geoha_deadline_init(&d, 10000);
    rc = geoha_proc_run(argv, NULL, NULL, 1024, &d, &r);
    geoha_proc_result_clear(&r);
    return rc;
}

static void
geoha_attr_update__writes_only_on_change(void **state)
{
    struct geoha_deadline d;
    bool changed = false;
    char *value = NULL;
    int before;

    (void)state;
    geoha_deadline_init(&d, 20000);
    before = spawns();
    assert_int_equal(geoha_attr_update(GEOHA_ATTR_TRANSIENT, "ci",
                                       "geoha-db-position", "0-1-5", &d,
                                       &changed),
                     0);
    assert_true(changed);
    assert_int_equal(spawns(), before + 1);
    /* Same value again: no process at all. */
    assert_int_equal(geoha_attr_update(GEOHA_ATTR_TRANSIENT, "ci",
                                       "geoha-db-position", "0-1-5", &d,
                                       &changed),
                     0);
    assert_false(changed);
    assert_int_equal(spawns(), before + 1);
    /* Read back through crm_attribute (always asks the cluster). */
    assert_int_equal(geoha_attr_get(GEOHA_ATTR_TRANSIENT, "ci",
                                    "geoha-db-position", &d, &value),
                     0);
    assert_string_equal(value, "0-1-5");
    free(value);
    /* A new value is written. */
    assert_int_equal(geoha_attr_update(GEOHA_ATTR_TRANSIENT, "ci",
                                       "geoha-db-position", "0-1-6", &d,
                                       &changed),
                     0);
    assert_true(changed);
    /* Delete, then deleting again costs nothing. */
    assert_int_equal(geoha_attr_update(GEOHA_ATTR_TRANSIENT, "ci",
                                       "geoha-db-position", NULL, &d, &changed),
                     0);
    assert_true(changed);
    before = spawns();
    assert_int_equal(geoha_attr_update(GEOHA_ATTR_TRANSIENT, "ci",
                                       "geoha-db-position", NULL, &d, &changed),
                     0);
    assert_false(changed);
    assert_int_equal(spawns(), before);
    value = (char *)"sentinel";
    assert_int_equal(geoha_attr_get(GEOHA_ATTR_TRANSIENT, "ci",
                                    "geoha-db-position", &d, &value),
                     0);
    assert_null(value);
}

static void
geoha_attr_update__promotion_score(void **state)
{
    struct geoha_deadline d;
    char *value = NULL;

    (void)state;
    geoha_deadline_init(&d, 20000);
    /* The clone instance suffix is dropped: master-db. */
    assert_int_equal(
        geoha_attr_update(GEOHA_ATTR_PROMOTION, "si", "db:1", "1000", &d, NULL),
        0);
    assert_int_equal(
        geoha_attr_get(GEOHA_ATTR_TRANSIENT, "si", "master-db", &d, &value), 0);
    assert_string_equal(value, "1000");
    free(value);
    assert_int_equal(
        geoha_attr_get(GEOHA_ATTR_PROMOTION, "si", "db", &d, &value), 0);
    assert_string_equal(value, "1000");
    free(value);
}

static void
geoha_attr_update__forget_forces_write(void **state)
{
    struct geoha_deadline d;
    bool changed = false;

    (void)state;
    geoha_deadline_init(&d, 20000);
    assert_int_equal(
        geoha_attr_update(GEOHA_ATTR_TRANSIENT, "si", "x", "1", &d, &changed),
        0);
    geoha_attr_forget(GEOHA_ATTR_TRANSIENT, "si", "x");
    assert_int_equal(
        geoha_attr_update(GEOHA_ATTR_TRANSIENT, "si", "x", "1", &d, &changed),
        0);
    assert_true(changed);
}

static void
geoha_attr_update__rejects_bad_names(void **state)
{
    struct geoha_deadline d;
    char *value = NULL;

    (void)state;
    geoha_deadline_init(&d, 5000);
    assert_int_equal(
        geoha_attr_update(GEOHA_ATTR_TRANSIENT, "ci", "a b", "1", &d, NULL),
        -EINVAL);
    assert_int_equal(
        geoha_attr_update(GEOHA_ATTR_TRANSIENT, "c/i", "a", "1", &d, NULL),
        -EINVAL);
    assert_int_equal(
        geoha_attr_update(GEOHA_ATTR_TRANSIENT, "", "a", "1", &d, NULL),
        -EINVAL);
    assert_int_equal(
        geoha_attr_get(GEOHA_ATTR_TRANSIENT, "ci", "--help", &d, &value),
        -EINVAL);
}

static void
geoha_attr_update__unknown_node_fails(void **state)
{
    struct geoha_deadline d;

    (void)state;
    geoha_deadline_init(&d, 20000);
    assert_int_equal(geoha_attr_update(GEOHA_ATTR_TRANSIENT, "nosuchnode", "a",
                                       "1", &d, NULL),
                     GEOHA_E_REMOTE);
}

static void
geoha_attr_update__tool_missing(void **state)
{
    struct geoha_deadline d;
    char *saved = strdup(getenv("PATH"));

    (void)state;
    geoha_deadline_init(&d, 5000);
    setenv("PATH", "/nonexistent", 1);
    assert_int_equal(
        geoha_attr_update(GEOHA_ATTR_TRANSIENT, "ci", "b", "2", &d, NULL),
        GEOHA_E_NOT_INSTALLED);
    setenv("PATH", saved, 1);
    free(saved);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(geoha_attr_update__writes_only_on_change),
        cmocka_unit_test(geoha_attr_update__promotion_score),
        cmocka_unit_test(geoha_attr_update__forget_forces_write),
        cmocka_unit_test(geoha_attr_update__rejects_bad_names),
        cmocka_unit_test(geoha_attr_update__unknown_node_fails),
        cmocka_unit_test(geoha_attr_update__tool_missing),
    };

    return cmocka_run_group_tests_name("attr", tests, setup, teardown);
}
