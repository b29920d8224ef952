/*
 * Unit tests of lib/cib.c: its parser against saved crm_mon XML reports,
 * and the reader against saved CIBs (CIB_file), as crm_mon computes them.
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
    assert_int_equal(geoha_cib_promoted_node("db-clone", NULL, node), 0);
    assert_string_equal(node, "ci");
    /* The primitive's id names the same clone. */
    assert_int_equal(geoha_cib_promoted_node("db", NULL, node), 0);
    assert_string_equal(node, "ci");
    write_cib(HEAD NODE("1", "ci", "start")
                  NODE("2", "si", "promote") "</status></cib>");
    assert_int_equal(geoha_cib_promoted_node("db-clone", NULL, node), 0);
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
    assert_int_equal(geoha_cib_promoted_node("db-clone", NULL, node),
                     GEOHA_E_STATE);
    assert_string_equal(node, "untouched");
    assert_int_equal(geoha_cib_promoted_nodes("db-clone", NULL, nodes, 2, &n),
                     0);
    assert_int_equal(n, 0);
    write_cib(HEAD NODE("1", "ci", "promote")
                  NODE("2", "si", "promote") "</status></cib>");
    assert_int_equal(geoha_cib_promoted_nodes("db-clone", NULL, nodes, 2, &n),
                     0);
    assert_int_equal(n, 2);
    assert_int_equal(geoha_cib_promoted_node("db-clone", NULL, node),
                     GEOHA_E_STATE);
}

static void
geoha_cib_promoted_node__errors(void **state)
{
    char node[GEOHA_NODE_MAX];

    (void)state;
    write_cib(HEAD NODE("1", "ci", "promote") "</status></cib>");
    assert_int_equal(geoha_cib_promoted_node("no-such-rsc", NULL, node),
                     -ENOENT);
    assert_int_equal(geoha_cib_promoted_node(NULL, NULL, node), -EINVAL);
    setenv("CIB_file", "/nonexistent/cib.xml", 1);
    assert_int_equal(geoha_cib_promoted_node("db-clone", NULL, node),
                     -ENOTCONN);
    setenv("CIB_file", path, 1);
}

/* ---- the parser, on saved crm_mon --output-as=xml reports ---- */

#define MON_HEAD                                                               \
    "<pacemaker-result api-version=\"2.25\" request=\"crm_mon\">"              \
    "<summary><current_dc present=\"true\"/></summary><nodes>"                 \
    "<node name=\"ci\" id=\"1\" online=\"true\" type=\"member\"/>"             \
    "<node name=\"si\" id=\"2\" online=\"true\" type=\"member\"/>"             \
    "<node name=\"rem\" id=\"rem\" online=\"true\" type=\"remote\"/>"          \
    "</nodes><resources>"
#define MON_TAIL                                                               \
    "</resources><status code=\"0\" message=\"OK\"/></pacemaker-result>"
#define INSTANCE(id, role, node)                                               \
    "<resource id=\"" id "\" resource_agent=\"ocf:geoha:mysql\" role=\"" role  \
    "\" active=\"true\" nodes_running_on=\"1\"><node name=\"" node             \
    "\" id=\"x\" cached=\"true\"/></resource>"
#define CLONE(inner)                                                           \
    "<clone id=\"db-clone\" multi_state=\"true\" unique=\"false\">" inner      \
    "</clone>"
#define WEB                                                                    \
    "<resource id=\"web\" role=\"Started\" active=\"true\">"                   \
    "<node name=\"si\" id=\"2\" cached=\"true\"/></resource>"

/* Parse text (a literal) for rsc into nodes; returns the parser's rc. */
#define PARSE(text, rsc, nodes, max, n)                                        \
    geoha_cib_parse_promoted(text, sizeof(text) - 1, rsc, nodes, max, n)

static void
geoha_cib_parse_promoted__one(void **state)
{
    static const char one[] =
        MON_HEAD CLONE(INSTANCE("db", "Unpromoted", "si")
                           INSTANCE("db", "Promoted", "ci")) WEB MON_TAIL;
    const char *const names[] = { "db-clone", "db", "db:0", "db:1" };
    char nodes[2][GEOHA_NODE_MAX];
    size_t n;

    (void)state;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        n = 99;
        assert_int_equal(PARSE(one, names[i], nodes, 2, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(nodes[0], "ci");
    }
    /* another resource's answer is its own */
    n = 99;
    assert_int_equal(PARSE(one, "web", nodes, 2, &n), 0);
    assert_int_equal(n, 0);
}

static void
geoha_cib_parse_promoted__none(void **state)
{
    static const char unpromoted[] = MON_HEAD CLONE(INSTANCE(
        "db", "Unpromoted", "si") INSTANCE("db", "Unpromoted", "ci")) MON_TAIL;
    static const char stopped[] = MON_HEAD CLONE(
        "<resource id=\"db\" role=\"Stopped\" active=\"false\" "
        "nodes_running_on=\"0\"/><resource id=\"db\" role=\"Stopped\" "
        "active=\"false\" nodes_running_on=\"0\"/>") MON_TAIL;
    char nodes[2][GEOHA_NODE_MAX];
    size_t n = 99;

    (void)state;
    assert_int_equal(PARSE(unpromoted, "db-clone", nodes, 2, &n), 0);
    assert_int_equal(n, 0);
    n = 99;
    assert_int_equal(PARSE(stopped, "db:0", nodes, 2, &n), 0);
    assert_int_equal(n, 0);
}

static void
geoha_cib_parse_promoted__two_are_reported(void **state)
{
    /* a globally-unique clone names its instances "db:0", "db:1" */
    static const char two[] = MON_HEAD CLONE(INSTANCE(
        "db:0", "Promoted", "si") INSTANCE("db:1", "Promoted", "ci")) MON_TAIL;
    char nodes[2][GEOHA_NODE_MAX];
    char one[1][GEOHA_NODE_MAX];
    size_t n = 99;

    (void)state;
    assert_int_equal(PARSE(two, "db-clone", nodes, 2, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(nodes[0], "si");
    assert_string_equal(nodes[1], "ci");
    /* room for one: still counted as two, never narrowed to the first */
    n = 99;
    assert_int_equal(PARSE(two, "db:1", one, 1, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(one[0], "si");
    /* and the reader's one-node question refuses to pick */
    n = 0;
    assert_int_equal(PARSE(two, "db", nodes, 2, &n), 0);
    assert_int_equal(n, 2);
}

static void
geoha_cib_parse_promoted__group_in_clone(void **state)
{
    /* two primitives promoted on one node are one promoted node */
    static const char grp[] = MON_HEAD CLONE(
        "<group id=\"g:0\" number_resources=\"2\">" INSTANCE("db", "Promoted",
                                                             "ci")
            INSTANCE("ip", "Promoted",
                     "ci") "</group>"
                           "<group id=\"g:1\" number_resources=\"2\">" INSTANCE(
                               "db", "Unpromoted", "si")
                               INSTANCE("ip", "Unpromoted", "si") "</group>")
        MON_TAIL;
    char nodes[2][GEOHA_NODE_MAX];
    size_t n = 99;

    (void)state;
    assert_int_equal(PARSE(grp, "ip", nodes, 2, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(nodes[0], "ci");
}

static void
geoha_cib_parse_promoted__errors(void **state)
{
    static const char truncated[] =
        MON_HEAD CLONE(INSTANCE("db", "Promoted", "ci"));
    static const char not_xml[] = "db-clone is promoted on ci";
    static const char other_root[] = "<cib><status/></cib>";
    /* crm_mon with an unreadable CIB_file: status OK, no report */
    static const char no_cib[] =
        "<pacemaker-result api-version=\"2.25\" request=\"crm_mon\">"
        "<status code=\"0\" message=\"OK\"><errors><error>Could not connect "
        "to the CIB: No such device or address</error></errors></status>"
        "</pacemaker-result>";
    static const char refused[] =
        "<pacemaker-result api-version=\"2.25\" request=\"crm_mon\">"
        "<status code=\"102\" message=\"Not connected\"/></pacemaker-result>";
    static const char one[] =
        MON_HEAD CLONE(INSTANCE("db", "Promoted", "ci")) MON_TAIL;
    char nodes[2][GEOHA_NODE_MAX];
    size_t n = 99;

    (void)state;
    assert_int_equal(PARSE(truncated, "db-clone", nodes, 2, &n), GEOHA_E_PARSE);
    assert_int_equal(PARSE(not_xml, "db-clone", nodes, 2, &n), GEOHA_E_PARSE);
    assert_int_equal(PARSE(other_root, "db-clone", nodes, 2, &n),
                     GEOHA_E_PARSE);
    assert_int_equal(geoha_cib_parse_promoted("", 0, "db", nodes, 2, &n),
                     GEOHA_E_PARSE);
    assert_int_equal(geoha_cib_parse_promoted(NULL, 0, "db", nodes, 2, &n),
                     GEOHA_E_PARSE);
    assert_int_equal(PARSE(no_cib, "db-clone", nodes, 2, &n), -ENOTCONN);
    assert_int_equal(PARSE(refused, "db-clone", nodes, 2, &n), -ENOTCONN);
    assert_int_equal(PARSE(one, "no-such-rsc", nodes, 2, &n), -ENOENT);
    assert_int_equal(PARSE(one, "", nodes, 2, &n), -EINVAL);
    assert_int_equal(PARSE(one, NULL, nodes, 2, &n), -EINVAL);
    assert_int_equal(PARSE(one, "db", nodes, 2, NULL), -EINVAL);
    assert_int_equal(n, 99); /* untouched by every error */
}

static void
geoha_cib_parse_nodes__members_only(void **state)
{
    static const char report[] = MON_HEAD MON_TAIL;
    static const char broken[] = MON_HEAD;
    char nodes[3][GEOHA_NODE_MAX];
    size_t n = 99;

    (void)state;
    assert_int_equal(
        geoha_cib_parse_nodes(report, sizeof(report) - 1, nodes, 3, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(nodes[0], "ci");
    assert_string_equal(nodes[1], "si");
    n = 99;
    assert_int_equal(
        geoha_cib_parse_nodes(report, sizeof(report) - 1, nodes, 1, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(
        geoha_cib_parse_nodes(broken, sizeof(broken) - 1, nodes, 3, &n),
        GEOHA_E_PARSE);
}

/* ---- the reader, asking crm_mon about a saved CIB (CIB_file) ---- */

static void
geoha_cib_reader__through_crm_mon(void **state)
{
    char node[GEOHA_NODE_MAX] = "";
    char nodes[2][GEOHA_NODE_MAX];
    struct geoha_deadline d;
    size_t n = 99;

    (void)state;
    geoha_deadline_init(&d, 10000);
    write_cib(HEAD NODE("1", "ci", "start")
                  NODE("2", "si", "promote") "</status></cib>");
    assert_int_equal(geoha_cib_promoted_node("db:1", &d, node), 0);
    assert_string_equal(node, "si");
    assert_int_equal(geoha_cib_nodes(&d, nodes, 2, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(nodes[0], "ci");
    assert_string_equal(nodes[1], "si");
    /* an expired deadline: crm_mon is not waited for */
    geoha_deadline_init(&d, 0);
    assert_int_equal(geoha_cib_promoted_node("db-clone", &d, node),
                     GEOHA_E_DEADLINE);
    setenv("CIB_file", "/nonexistent/cib.xml", 1);
    assert_int_equal(geoha_cib_nodes(NULL, nodes, 2, &n), -ENOTCONN);
    setenv("CIB_file", path, 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(geoha_cib_promoted_node__finds_it),
        cmocka_unit_test(geoha_cib_promoted_node__none_or_two),
        cmocka_unit_test(geoha_cib_promoted_node__errors),
        cmocka_unit_test(geoha_cib_parse_promoted__one),
        cmocka_unit_test(geoha_cib_parse_promoted__none),
        cmocka_unit_test(geoha_cib_parse_promoted__two_are_reported),
        cmocka_unit_test(geoha_cib_parse_promoted__group_in_clone),
        cmocka_unit_test(geoha_cib_parse_promoted__errors),
        cmocka_unit_test(geoha_cib_parse_nodes__members_only),
        cmocka_unit_test(geoha_cib_reader__through_crm_mon),
    };

    return cmocka_run_group_tests_name("cib", tests, setup, teardown);
}
