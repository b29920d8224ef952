/* Unit tests of agents/azure-events/events.c: reading a Scheduled Events
 * document and planning what to do. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../agents/azure-events/events.h"

#define ID1 "3e11fa47-71ca-11e1-9e33-c80aa9429562"
#define ID2 "5d1b3c1e-0000-4000-8000-000000000002"

static json_t *
doc_of(const char *text)
{
    json_t *j = json_loads(text, 0, NULL);

    assert_non_null(j);
    return j;
}

static int
parse(const char *text, long long bound, struct ae_doc *d, char *err)
{
    json_t *j = doc_of(text);
    int rc = geoha__ae_parse(j, "vm-ci", bound, d, err, 200);

    json_decref(j);
    return rc;
}

static void
parse__keeps_this_vms_events_only(void **state)
{
    struct ae_doc d;
    char err[200];

    (void)state;
    assert_int_equal(
        parse("{\"DocumentIncarnation\": 7, \"Events\": ["
              "{\"EventId\": \"" ID1 "\", \"EventType\": \"Reboot\", "
              "\"EventStatus\": \"Scheduled\", \"Resources\": [\"VM-CI\"], "
              "\"NotBefore\": \"Mon, 19 Sep 2016 18:29:47 GMT\", "
              "\"DurationInSeconds\": -1},"
              "{\"EventId\": \"" ID2 "\", \"EventType\": \"Freeze\", "
              "\"EventStatus\": \"Scheduled\", \"Resources\": [\"vm-si\"]}]}",
              5, &d, err),
        0);
    assert_int_equal(d.incarnation, 7);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.others, 1);
    assert_string_equal(d.ev[0].id, ID1);
    assert_string_equal(d.ev[0].type, "Reboot");
    assert_int_equal(d.ev[0].status, AE_SCHEDULED);
    assert_int_equal(d.ev[0].kind, AE_DISRUPTIVE);
    assert_int_equal(d.ev[0].duration_s, -1);
    assert_string_equal(d.ev[0].not_before, "Mon, 19 Sep 2016 18:29:47 GMT");
}

static void
parse__sorts_every_type(void **state)
{
    static const struct {
        const char *type;
        const char *duration;
        enum ae_kind kind;
    } cases[] = {
        { "Reboot", "-1", AE_DISRUPTIVE },
        { "Redeploy", "-1", AE_DISRUPTIVE },
        { "Preempt", "30", AE_DISRUPTIVE },
        { "Terminate", "-1", AE_DISRUPTIVE },
        { "Freeze", "5", AE_SHORT_FREEZE },
        { "Freeze", "\"3\"", AE_SHORT_FREEZE },
        { "Freeze", "6", AE_DISRUPTIVE },
        { "Freeze", "-1", AE_DISRUPTIVE },
        { "Hibernate", "10", AE_UNKNOWN },
    };
    char text[512], err[200];
    struct ae_doc d;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(text, sizeof(text),
                 "{\"DocumentIncarnation\": 1, \"Events\": [{\"EventId\": "
                 "\"" ID1 "\", \"EventType\": \"%s\", \"EventStatus\": "
                 "\"Started\", \"NotBefore\": \"\", \"Resources\": "
                 "[\"vm-ci\"], \"DurationInSeconds\": %s}]}",
                 cases[i].type, cases[i].duration);
        assert_int_equal(parse(text, 5, &d, err), 0);
        assert_int_equal(d.ev[0].kind, cases[i].kind);
        assert_int_equal(d.ev[0].status, AE_STARTED);
    }
}

static void
parse__refuses_what_imds_does_not_document(void **state)
{
    static const char *const bad[] = {
        "[]",
        "{\"Events\": []}",
        "{\"DocumentIncarnation\": -1, \"Events\": []}",
        "{\"DocumentIncarnation\": 1.5, \"Events\": []}",
        "{\"DocumentIncarnation\": 1}",
        "{\"DocumentIncarnation\": 1, \"Events\": [3]}",
        "{\"DocumentIncarnation\": 1, \"Events\": [{\"EventId\": \"x\"}]}",
        "{\"DocumentIncarnation\": 1, \"Events\": [{\"Resources\": "
        "[\"vm-ci\"], \"EventType\": \"Reboot\", \"EventStatus\": "
        "\"Scheduled\"}]}",
        "{\"DocumentIncarnation\": 1, \"Events\": [{\"Resources\": "
        "[\"vm-ci\"], \"EventId\": \"a b\", \"EventType\": \"Reboot\", "
        "\"EventStatus\": \"Scheduled\"}]}",
        "{\"DocumentIncarnation\": 1, \"Events\": [{\"Resources\": "
        "[\"vm-ci\"], \"EventId\": \"" ID1 "\", \"EventType\": \"Re-boot\", "
        "\"EventStatus\": \"Scheduled\"}]}",
        "{\"DocumentIncarnation\": 1, \"Events\": [{\"Resources\": "
        "[\"vm-ci\"], \"EventId\": \"" ID1 "\", \"EventType\": \"Reboot\"}]}",
        "{\"DocumentIncarnation\": 1, \"Events\": [{\"Resources\": "
        "[\"vm-ci\"], \"EventId\": \"" ID1 "\", \"EventType\": \"Reboot\", "
        "\"EventStatus\": \"Scheduled\", \"NotBefore\": 5}]}",
        "{\"DocumentIncarnation\": 1, \"Events\": [{\"Resources\": "
        "[\"vm-ci\"], \"EventId\": \"" ID1 "\", \"EventType\": \"Freeze\", "
        "\"EventStatus\": \"Scheduled\", \"DurationInSeconds\": \"x\"}]}",
    };
    struct ae_doc d;
    char err[200];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_int_equal(parse(bad[i], 5, &d, err), GEOHA_E_PARSE);
        assert_true(err[0] != '\0');
    }
}

static struct ae_doc
one(enum ae_kind kind, enum ae_status status)
{
    struct ae_doc d = { .incarnation = 1, .n = 1 };

    snprintf(d.ev[0].id, sizeof(d.ev[0].id), "%s", ID1);
    snprintf(d.ev[0].type, sizeof(d.ev[0].type), "Reboot");
    d.ev[0].kind = kind;
    d.ev[0].status = status;
    d.ev[0].duration_s = -1;
    return d;
}

static void
plan__writer_here_is_held_then_approved_once_moved(void **state)
{
    struct ae_doc d = one(AE_DISRUPTIVE, AE_SCHEDULED);
    struct ae_facts f = { .here_promoted = true,
                          .peer_promotable = true,
                          .approve = true };
    struct ae_plan p;

    (void)state;
    p = geoha__ae_plan(&d, &f);
    assert_true(p.hold);
    assert_ptr_equal(p.cause, &d.ev[0]);
    assert_int_equal(p.n_approve, 0);
    assert_non_null(p.waiting);
    f.here_promoted = false; /* demoted, nobody promoted yet */
    p = geoha__ae_plan(&d, &f);
    assert_true(p.hold);
    assert_int_equal(p.n_approve, 0);
    f.other_promoted = true;
    p = geoha__ae_plan(&d, &f);
    assert_true(p.hold);
    assert_int_equal(p.n_approve, 1);
    assert_ptr_equal(p.approve[0], &d.ev[0]);
    assert_null(p.waiting);
}

static void
plan__writer_with_nowhere_to_go_stays(void **state)
{
    struct ae_doc d = one(AE_DISRUPTIVE, AE_SCHEDULED);
    struct ae_facts f = { .here_promoted = true, .approve = true };
    struct ae_plan p = geoha__ae_plan(&d, &f);

    (void)state;
    assert_false(p.hold);
    assert_int_equal(p.n_approve, 0);
    assert_non_null(p.waiting);
}

static void
plan__replica_is_approved_at_once(void **state)
{
    struct ae_doc d = one(AE_DISRUPTIVE, AE_SCHEDULED);
    struct ae_facts f = { .other_promoted = true, .approve = true };
    struct ae_plan p = geoha__ae_plan(&d, &f);

    (void)state;
    assert_true(p.hold);
    assert_int_equal(p.n_approve, 1);
    f.approve = false;
    p = geoha__ae_plan(&d, &f);
    assert_true(p.hold);
    assert_int_equal(p.n_approve, 0);
    assert_non_null(p.waiting);
}

static void
plan__started_or_unknown_status_is_held_not_approved(void **state)
{
    struct ae_facts f = { .other_promoted = true, .approve = true };
    struct ae_doc d = one(AE_DISRUPTIVE, AE_STARTED);
    struct ae_plan p = geoha__ae_plan(&d, &f);

    (void)state;
    assert_true(p.hold);
    assert_int_equal(p.n_approve, 0);
    d = one(AE_DISRUPTIVE, AE_OTHER);
    p = geoha__ae_plan(&d, &f);
    assert_true(p.hold);
    assert_int_equal(p.n_approve, 0);
}

static void
plan__short_freeze_and_unknown_change_nothing(void **state)
{
    struct ae_facts f = { .here_promoted = true,
                          .peer_promotable = true,
                          .approve = true };
    struct ae_doc d = one(AE_SHORT_FREEZE, AE_SCHEDULED);
    struct ae_plan p = geoha__ae_plan(&d, &f);

    (void)state;
    assert_false(p.hold);
    assert_null(p.cause);
    assert_int_equal(p.n_approve, 0);
    assert_null(p.waiting);
    d = one(AE_UNKNOWN, AE_SCHEDULED);
    p = geoha__ae_plan(&d, &f);
    assert_false(p.hold);
    assert_int_equal(p.n_approve, 0);
    assert_string_equal(geoha__ae_kind_text(AE_UNKNOWN), "unknown type");
}

static void
plan__both_vms_at_once_keep_a_promotable_node(void **state)
{
    struct ae_doc d = one(AE_DISRUPTIVE, AE_SCHEDULED);
    struct ae_facts f = { .other_promoted = true,
                          .writer_held = true,
                          .approve = true };
    struct ae_plan p;

    (void)state;
    /* the replica while the writer's node is held: stays promotable */
    p = geoha__ae_plan(&d, &f);
    assert_false(p.hold);
    assert_int_equal(p.n_approve, 0);
    assert_non_null(p.waiting);
    /* the writer while the replica is held: stays (no peer promotable) */
    f = (struct ae_facts){ .here_promoted = true, .approve = true };
    p = geoha__ae_plan(&d, &f);
    assert_false(p.hold);
    /* no writer, both held: the one first by name keeps its hold */
    f = (struct ae_facts){ .peer_held_first = true,
                           .peer_promotable = false,
                           .approve = true };
    p = geoha__ae_plan(&d, &f);
    assert_false(p.hold);
    f.peer_held_first = false;
    p = geoha__ae_plan(&d, &f);
    assert_true(p.hold);
    assert_int_equal(p.n_approve, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse__keeps_this_vms_events_only),
        cmocka_unit_test(parse__sorts_every_type),
        cmocka_unit_test(parse__refuses_what_imds_does_not_document),
        cmocka_unit_test(plan__writer_here_is_held_then_approved_once_moved),
        cmocka_unit_test(plan__writer_with_nowhere_to_go_stays),
        cmocka_unit_test(plan__replica_is_approved_at_once),
        cmocka_unit_test(plan__started_or_unknown_status_is_held_not_approved),
        cmocka_unit_test(plan__short_freeze_and_unknown_change_nothing),
        cmocka_unit_test(plan__both_vms_at_once_keep_a_promotable_node),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
