/*
 * Unit tests of lib/cib.c against saved CIBs (CIB_file), computed by
 * Pacemaker's own scheduler library.
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

#include "geoha/cib.h"
#include "geoha/file.h"
#include "geoha/util.h"

static char path[64];

#define HEAD                                                                   \
    "<cib crm_feature_set=\"3.16.2\" validate-with=\"pacemaker-3.9\" "         \
    "epoch=\"1\" num_updates=\"0\" admin_epoch=\"0\" have-quorum=\"1\">"       \
    "<configuration><crm_config><cluster_property_set id=\"o\">"               \
    "<nvpair id=\"o1\" name=\"stonith-enabled\" value=\"false\"/>"             \
    "</cluster_property_set></crm_config><nodes>"                              \
    "<node id=\"1\" uname=\"ci\"/><node id=\"2\" uname=\"si\"/></nodes>"       \
    "<resources><clone id=\"db-clone\"><meta_attributes id=\"m\">"             \
    "<nvpair id=\"m1\" name=\"promotable\" value=\"true\"/></meta_attributes>" \
    "<primitive id=\"db\" class=\"ocf\" provider=\"pacemaker\" "               \
    "type=\"Stateful\"/></clone></resources><constraints/>"                    \
    "</configuration><status>"

#define NODE(id, name, op)                                                     \
    "<node_state id=\"" id "\" uname=\"" name "\" in_ccm=\"true\" "            \
    "crmd=\"online\" join=\"member\" expected=\"member\"><lrm id=\"" id        \
    "\"><lrm_resources><lrm_resource id=\"db\" type=\"Stateful\" "             \
    "class=\"ocf\" provider=\"pacemaker\"><lrm_rsc_op id=\"db_last_0\" "       \
    "operation_key=\"db_" op "_0\" operation=\"" op "\" "                      \
    "crm_feature_set=\"3.16.2\" transition-key=\"1:1:0:x\" "                   \
    "transition-magic=\"0:0;1:1:0:x\" on_node=\"" name "\" call-id=\"5\" "     \
    "rc-code=\"0\" op-status=\"0\" interval=\"0\"/></lrm_resource>"            \
    "</lrm_resources></lrm></node_state>"

static void
write_cib(const char *xml)
{
    assert_int_equal(
        geoha_file_replace(path, xml, strlen(xml), (uid_t)-1, (gid_t)-1, 0600),
        0);
}

static int
setup(void **state)
{
    int fd;

    (void)state;
    geoha_strlcpy(path, "/tmp/geoha-test-cib-XXXXXX", sizeof(path));
    fd = mkstemp(path);
    if (fd < 0) {
        return -1;
    }
    close(fd);
    setenv("CIB_file", path, 1);
    /* libcib logs through Pacemaker's logging: keep it off the TAP. */
    return freopen("/dev/null", "w", stderr) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
    (void)state;
    return unlink(path);
}

static void
geoha_cib_promoted_node__finds_it(void **state)
{
    char node[GEOHA_NODE_MAX] = "";

    (void)state;
    write_cib(HEAD NODE("1", "ci", "promote")
                  NODE("2", "si", "start") "</status></cib>");
    assert_int_equal(geoha_cib_promoted_node("db-clone", node), 0);
    assert_string_equal(node, "ci");
    /* The primitive's id names the same clone. */
    assert_int_equal(geoha_cib_promoted_node("db", node), 0);
    assert_string_equal(node, "ci");
    write_cib(HEAD NODE("1", "ci", "start")
                  NODE("2", "si", "promote") "</status></cib>");
    assert_int_equal(geoha_cib_promoted_node("db-clone", node), 0);
    assert_string_equal(node, "si");
}

static void
geoha_cib_promoted_node__none_or_two(void **state)
{
    char node[GEOHA_NODE_MAX] = "untouched";
    char nodes[2][GEOHA_NODE_MAX];
    size_t n = 99;

    (void)state;
    write_cib(HEAD NODE("1", "ci", "start")
                  NODE("2", "si", "start") "</status></cib>");
    assert_int_equal(geoha_cib_promoted_node("db-clone", node), GEOHA_E_STATE);
    assert_string_equal(node, "untouched");
    assert_int_equal(geoha_cib_promoted_nodes("db-clone", nodes, 2, &n), 0);
    assert_int_equal(n, 0);
    write_cib(HEAD NODE("1", "ci", "promote")
                  NODE("2", "si", "promote") "</status></cib>");
    assert_int_equal(geoha_cib_promoted_nodes("db-clone", nodes, 2, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(geoha_cib_promoted_node("db-clone", node), GEOHA_E_STATE);
}

static void
geoha_cib_promoted_node__errors(void **state)
{
    char node[GEOHA_NODE_MAX];

    (void)state;
    write_cib(HEAD NODE("1", "ci", "promote") "</status></cib>");
    assert_int_equal(geoha_cib_promoted_node("no-such-rsc", node), -ENOENT);
    assert_int_equal(geoha_cib_promoted_node(NULL, node), -EINVAL);
    setenv("CIB_file", "/nonexistent/cib.xml", 1);
    assert_int_equal(geoha_cib_promoted_node("db-clone", node), -ENOTCONN);
    setenv("CIB_file", path, 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(geoha_cib_promoted_node__finds_it),
        cmocka_unit_test(geoha_cib_promoted_node__none_or_two),
        cmocka_unit_test(geoha_cib_promoted_node__errors),
    };

    return cmocka_run_group_tests_name("cib", tests, setup, teardown);
}
